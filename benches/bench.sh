#!/usr/bin/env bash
# Benchmarks runtime-audit on a whole-node fixture, in one run on one machine:
#   - median wall time of `runtime-audit --root <node> --format json` against `cat` of the same
#     input files (target: at most 2x) and against `containerd config dump` of the same
#     config.toml (target: at least 10x faster);
#   - peak RSS of the audit (target: under 20 MiB).
# Usage: benches/bench.sh [fixture-dir]   (default: fixtures/nodes/docker-node-before-migration)
# Installs hyperfine and containerd from Debian when missing. Prints a Markdown summary.
set -euo pipefail
cd "$(dirname "$0")/.."

node=${1:-fixtures/nodes/docker-node-before-migration}
# shellcheck source=benches/common.sh
source benches/common.sh
need hyperfine=hyperfine containerd=containerd
build_and_install

# The audit as a user runs it on this node, from the node's directory so the scenario's
# relative paths (the Node object, recorded live facts) resolve.
name=$node
cd "$node"
node=.
args=(--root . --format json --fail-on never)
[ -f node.yaml ] && args+=(--node-file node.yaml)
[ -f "$node/scenario.toml" ] && while read -r a; do args+=("$a"); done < <(
  python3 -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb")).get("args", [])))' scenario.toml)

# The files the audit reads, to `cat` them: exactly the inputs its report lists as read.
mapfile -t files < <("$bin" "${args[@]}" | python3 -c '
import json, sys
report = json.load(sys.stdin)
root, node = sys.argv[1], sys.argv[2]
for i in report["inputs"]:
    if i["state"] == "read":
        p = i["path"]
        # Host paths are under the root; the Node object and recorded facts are as given.
        print(root.rstrip("/") + p if p.startswith("/") else p)
' "$node" node.yaml)
# Recorded live facts are read too, though not a host input the report lists.
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[$i]}" = --live-facts ] && files+=("${args[$((i + 1))]}")
done
config=$node/etc/containerd/config.toml
audit_cmd="$bin ${args[*]}"
cat_cmd="cat ${files[*]}"
dump_cmd="containerd --config $config config dump"

# Ten rounds of 50 runs each, alternating the two commands: on a shared VM a slow spell lasts
# a few hundred milliseconds, and alternating lets it fall on both alike. Medians are taken over
# the pooled runs.
rounds=()
for round in $(seq 10); do
  hyperfine -N --style none --warmup 5 --runs 50 \
    --export-json "$out/hyperfine-$round.json" \
    -n runtime-audit "$audit_cmd" -n cat "$cat_cmd" >/dev/null
  rounds+=("$out/hyperfine-$round.json")
done
hyperfine -N --style basic --warmup 3 --min-runs 30 \
  --export-json "$out/hyperfine-dump.json" \
  -n "containerd config dump" "$dump_cmd" >/dev/null

rss_kib=$(python3 - "$bin" "${args[@]}" <<'EOF'
import resource, subprocess, sys
peak = 0
for _ in range(20):
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=False)
    peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(peak)
EOF
)

python3 - "$out/hyperfine-dump.json" "$rss_kib" "${#files[@]}" "$name" "${rounds[@]}" <<'EOF'
import json, statistics, sys
times = {}
for f in sys.argv[5:]:
    for r in json.load(open(f))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
pooled = lambda t: {"median": statistics.median(t), "min": min(t), "max": max(t)}
audit, cat = pooled(times["runtime-audit"]), pooled(times["cat"])
dump = json.load(open(sys.argv[1]))["results"][0]
ms = lambda r: r["median"] * 1000
rss_mib = int(sys.argv[2]) / 1024
vs_cat = audit["median"] / cat["median"]
vs_dump = dump["median"] / audit["median"]
ok = lambda c: "met" if c else "MISSED"
print(f"Node: `{sys.argv[4]}` ({sys.argv[3]} input files read)\n")
print("| measure | value | target | |")
print("|---|---|---|---|")
print(f"| runtime-audit median ({len(times['runtime-audit'])} runs) | {ms(audit):.2f} ms (min {audit['min']*1000:.2f}, max {audit['max']*1000:.2f}) | | |")
print(f"| `cat` of the same files, median | {ms(cat):.2f} ms | | |")
print(f"| `containerd config dump`, median | {ms(dump):.2f} ms | | |")
print(f"| runtime-audit / cat | {vs_cat:.2f}x | at most 2x | {ok(vs_cat <= 2)} |")
print(f"| containerd config dump / runtime-audit | {vs_dump:.1f}x faster | at least 10x | {ok(vs_dump >= 10)} |")
print(f"| runtime-audit peak RSS | {rss_mib:.1f} MiB | under 20 MiB | {ok(rss_mib < 20)} |")
EOF
