#!/usr/bin/env bash
# Benchmarks the live audit, in one run on one machine (as root):
#   - starts containerd (CRI on) and dockerd on that containerd, on temporary sockets, with an
#     imported image in Docker and in containerd's k8s.io namespace and a running container;
#   - median wall time of the full live audit of that node (files + every probe) against the
#     sequence a user would otherwise run to gather the same facts, one after another:
#     `containerd config dump; ctr -n k8s.io images ls; docker images; docker info`
#     (target: runtime-audit at least 5x faster);
#   - wall time of the audit when the containerd socket accepts and never answers, with the
#     default --probe-timeout (target: at most 2 s).
# Usage: benches/live.sh   Installs hyperfine, containerd, runc and docker.io when missing.
# Prints a Markdown summary.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "benches/live.sh starts containerd and dockerd: run it as root" >&2; exit 2; }
# shellcheck source=benches/common.sh
source benches/common.sh
need hyperfine=hyperfine containerd=containerd runc=runc dockerd=docker.io
build_and_install

d=$(mktemp -d /tmp/ra-bench-XXXXXX)
pids=()
cleanup() {
  docker -H "unix://$d/docker.sock" rm -f sleeper >/dev/null 2>&1 || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$d"
}
trap cleanup EXIT

# The node: config.toml with CRI on and everything it could reach on loopback or under $d.
mkdir -p "$d/root/etc/containerd" "$d/rootfs/bin"
config=$d/root/etc/containerd/config.toml
cri='[plugins."io.containerd.grpc.v1.cri"'
cat >"$config" <<EOF
version = 2
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/ttrpc.sock"
[debug]
  address = "$d/debug.sock"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
$cri]
  sandbox_image = "127.0.0.1:5999/pause:3.9"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
$cri.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
$cri.containerd.runtimes.runc.options]
  SystemdCgroup = true
$cri.registry]
  config_path = "$d/certs.d"
EOF

containerd --config "$config" --address "$d/containerd.sock" --root "$d/croot" --state "$d/cstate" \
  >"$d/containerd.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do [ -S "$d/containerd.sock" ] && break; sleep 0.1; done
dockerd --data-root "$d/docker" --exec-root "$d/exec" -H "unix://$d/docker.sock" --pidfile "$d/docker.pid" \
  --iptables=false --bridge=none --storage-driver=vfs --containerd "$d/containerd.sock" \
  >"$d/dockerd.log" 2>&1 &
pids+=($!)
docker=(docker -H "unix://$d/docker.sock")
for _ in $(seq 300); do "${docker[@]}" version >/dev/null 2>&1 && break; sleep 0.1; done
"${docker[@]}" version >/dev/null || { tail -20 "$d/dockerd.log"; exit 1; }

# One image in both stores (docker import of /bin/sleep and its libraries) and a container.
cp /usr/bin/sleep "$d/rootfs/bin/sleep"
for lib in $(ldd /usr/bin/sleep | grep -o '/[^ ]*'); do
  mkdir -p "$d/rootfs$(dirname "$lib")" && cp "$lib" "$d/rootfs$lib"
done
tar -C "$d/rootfs" -cf "$d/rootfs.tar" .
"${docker[@]}" import "$d/rootfs.tar" local/sleeper:1 >/dev/null
"${docker[@]}" run -d --name sleeper local/sleeper:1 /bin/sleep 3600 >/dev/null
"${docker[@]}" save -o "$d/sleeper.tar" local/sleeper:1
ctr --address "$d/containerd.sock" -n k8s.io images import "$d/sleeper.tar" >/dev/null
# Until the CRI service answers (1.6 says "not initialized" for a moment after start).
for _ in $(seq 100); do
  "$bin" --root "$d/root" --containerd-socket "$d/containerd.sock" --format json --fail-on never \
    | grep -q '"CRI v1"\|containerd 1\.' && break
  sleep 0.2
done

audit_cmd="$bin --root $d/root --containerd-socket $d/containerd.sock --docker-socket $d/docker.sock --format json --fail-on never"
manual_cmd="sh -c 'containerd --config $config config dump >/dev/null; ctr --address $d/containerd.sock -n k8s.io images ls >/dev/null; docker -H unix://$d/docker.sock images >/dev/null; docker -H unix://$d/docker.sock info >/dev/null'"

# Every probe must have answered, or the comparison would flatter the audit.
"$bin" --root "$d/root" --containerd-socket "$d/containerd.sock" --docker-socket "$d/docker.sock" \
  --format json --fail-on never >"$out/live-report.json"
python3 - "$out/live-report.json" <<'EOF'
import json, sys
live = json.load(open(sys.argv[1]))["live"]
assert live["mode"] == "live", live["mode"]
probes = [(e["api"], p) for e in live["endpoints"] for p in e["probes"]]
assert sorted({api for api, _ in probes}) == ["cri", "docker"], live["endpoints"]
assert all(p["result"] == "ok" for _, p in probes), probes
EOF

hyperfine -N --style basic --warmup 3 --min-runs 30 --export-json "$out/hyperfine-live.json" \
  -n "runtime-audit (live)" "$audit_cmd" \
  -n "runtime-audit, CRI probe only" "$bin --root $d/root --containerd-socket $d/containerd.sock --format json --fail-on never" \
  -n "runtime-audit, Docker probe only" "$bin --root $d/root --docker-socket $d/docker.sock --format json --fail-on never" \
  -n "runtime-audit, files only" "$bin --root $d/root --format json --fail-on never" >/dev/null
hyperfine --style basic --warmup 1 --min-runs 10 --export-json "$out/hyperfine-manual.json" \
  -n "manual sequence" "$manual_cmd" >/dev/null

# The worst case: containerd's socket accepts connections and never answers.
python3 - "$d/hang.sock" >/dev/null 2>&1 <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(64)
held = []
while True:
    held.append(s.accept()[0])
EOF
pids+=($!)
for _ in $(seq 50); do [ -S "$d/hang.sock" ] && break; sleep 0.1; done
hang_cmd="$bin --root $d/root --containerd-socket $d/hang.sock --docker-socket $d/docker.sock --format json --fail-on never"
hyperfine -N --style basic --runs 5 --export-json "$out/hyperfine-hang.json" \
  -n "runtime-audit, hanging socket" "$hang_cmd" >/dev/null

python3 - "$out/hyperfine-live.json" "$out/hyperfine-manual.json" "$out/hyperfine-hang.json" <<'EOF'
import json, sys
audit, cri_only, docker_only, files_only = json.load(open(sys.argv[1]))["results"]
manual, hang = (json.load(open(f))["results"][0] for f in sys.argv[2:4])
ms = lambda x: x * 1000
speedup = manual["median"] / audit["median"]
ok = lambda c: "met" if c else "MISSED"
print("| measure | value | target | |")
print("|---|---|---|---|")
print(f"| live audit (files + CRI + Docker probes), median | {ms(audit['median']):.1f} ms (min {ms(audit['min']):.1f}, max {ms(audit['max']):.1f}) | | |")
for name, r in [("CRI probe only", cri_only), ("Docker probe only", docker_only), ("files only (no probe)", files_only)]:
    print(f"| audit, {name}, median | {ms(r['median']):.1f} ms | | |")
print(f"| manual sequence (config dump; ctr images ls; docker images; docker info), median | {ms(manual['median']):.1f} ms | | |")
print(f"| manual / runtime-audit | {speedup:.1f}x faster | at least 5x | {ok(speedup >= 5)} |")
print(f"| audit with a hanging containerd socket (default --probe-timeout 2s), max of {len(hang['times'])} | {hang['max']:.3f} s | at most 2 s | {ok(hang['max'] <= 2.0)} |")
EOF
