#!/usr/bin/env bash
# Benchmarks `runtime-audit cluster` reading a whole cluster from the Kubernetes API: the API
# double (crates/kube-double) serves the 5,000 nodes and 150,000 pods of benches/cluster-gen.py
# (compact JSON, about 6 KiB a pod with managedFields) over loopback TLS with a bearer token,
# and a kubelet 1.28 configz for every node. runtime-audit lists them in pages of 500 and reads
# the 5,000 configz with its default --concurrency, --qps and --burst.
# Measured: median wall time of 5 runs (hyperfine) and peak RSS (GNU time) of
# `runtime-audit cluster --kubeconfig K --format json`; targets: under 10 s, under 256 MiB.
# The double runs on the same 2 cores (its TLS and page writing are part of every run).
# Usage: benches/cluster-api.sh [NODES PODS]  (default 5000 150000). Prints a Markdown summary.
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-5000}
pods=${2:-150000}

# shellcheck source=benches/common.sh
source benches/common.sh
need hyperfine=hyperfine /usr/bin/time=time
build_and_install
# The double's executable as cargo reports it (target/<host tuple>/release/...).
double=$(cargo build --release --locked --quiet -p kube-double --message-format=json | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "kube-double":
        print(m["executable"])')

data=$PWD/target/bench-cluster
mkdir -p "$data"
gen_hash=$(sha256sum benches/cluster-gen.py | cut -c1-12)
file=$data/cluster-${nodes}n-${pods}p-s1-compact-$gen_hash.json
if ! [ -s "$file" ]; then
  python3 benches/cluster-gen.py --compact --nodes "$nodes" --pods "$pods" --seed 1 "$file" >&2
fi

work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$double" --objects "$file" --configz-default fixtures/clusters/recorded/configz/kubelet-1.28.json \
  --kubeconfig-out "$work/kubeconfig" >"$work/ready" 2>"$work/double.err" &
pid=$!
for _ in $(seq 600); do
  grep -q '^ready ' "$work/ready" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/double.err" >&2; exit 1; }
  sleep 0.1
done
grep -q '^ready ' "$work/ready" || { echo "the API double did not start" >&2; exit 1; }

# One run first: its report must say everything was read.
rc=0
"$bin" cluster --kubeconfig "$work/kubeconfig" --format json >"$work/report.json" || rc=$?
[ "$rc" -le 1 ] || { echo "runtime-audit failed (exit $rc)" >&2; exit 1; }
python3 - "$work/report.json" "$nodes" "$pods" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
nodes, pods = int(sys.argv[2]), int(sys.argv[3])
# The generator's random pod-name suffixes collide a few times in 150,000; the API keeps one
# object per name, as a real API server does.
assert r["read"]["nodes"] == nodes and pods - 10 <= r["read"]["pods"] <= pods, r["read"]
unread = [n["name"] for n in r["nodes"] if n["configz_failure"] or not n["cgroup_driver"]]
assert not unread, f"configz not read for {len(unread)} nodes"
failed = [i for i in r["inputs"] if i["failure"]]
assert not failed, failed
PY

out=$PWD/target/bench
hyperfine --style basic --warmup 1 --runs 5 --export-json "$out/cluster-api.json" \
  -n "runtime-audit cluster, API" \
  "$bin cluster --kubeconfig $work/kubeconfig --format json >/dev/null; [ \$? -le 1 ]" >&2
/usr/bin/time -f %M -o "$out/cluster-api.rss" "$bin" cluster --kubeconfig "$work/kubeconfig" \
  --format json >/dev/null || true

python3 - "$out" "$file" "$nodes" "$pods" <<'PY'
import json, os, statistics, sys
out, file, nodes, pods = sys.argv[1:]
t = json.load(open(f"{out}/cluster-api.json"))["results"][0]["times"]
rss = int(open(f"{out}/cluster-api.rss").read().split()[-1]) / 1024
med = statistics.median(t)
ok = lambda c: "met" if c else "MISSED"
print(f"Cluster served by the API double: {int(nodes):,} nodes, {int(pods):,} pods generated, "
      f"{os.path.getsize(file) / 2**20:.0f} MiB of compact JSON; pages of 500; one configz per node.\n")
print("| measure | value | target | |")
print("|---|---|---|---|")
print(f"| wall time, median of {len(t)} (min {min(t):.2f} s, max {max(t):.2f} s) | {med:.2f} s | under 10 s | {ok(med < 10)} |")
print(f"| peak RSS | {rss:.1f} MiB | under 256 MiB | {ok(rss < 256)} |")
PY
