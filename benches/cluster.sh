#!/usr/bin/env bash
# Benchmarks `runtime-audit cluster` on a whole cluster's objects, in one run on one machine:
#   - inputs: `kubectl get nodes,pods -A -o json` of 5,000 nodes and 150,000 pods (the
#     Kubernetes scalability limits) and of a tenth of that, written by benches/cluster-gen.py
#     and cached under target/bench-cluster/ (regenerated when the generator changes);
#   - median wall time (hyperfine) and peak RSS (GNU time) of
#     `runtime-audit cluster -f FILE --format json` on each (targets on the full file: under 3 s,
#     under 256 MiB);
#   - the same for `jq` running only the hostPath query on each file (target: runtime-audit at
#     least 10x faster than jq on the same file).
# Usage: benches/cluster.sh [--indented]   The files are compact JSON, as the API server sends a
# List (`kubectl get --raw`), about 5.9 KiB a pod with managedFields: 150,000 pods make about
# 900 MB. --indented writes them as `kubectl get -o json` prints them (4-space indentation, 3x
# the bytes). Installs hyperfine, jq and GNU time when missing. Prints a Markdown summary. Exits
# non-zero when the binary fails (exit 0 or 1 is a verdict, anything else is not).
set -euo pipefail
cd "$(dirname "$0")/.."
form=compact
if [ "${1:-}" = --indented ]; then
  form=indented
fi

# shellcheck source=benches/common.sh
source benches/common.sh
# `time` alone is the shell keyword: GNU time is asked for by its path.
need hyperfine=hyperfine jq=jq /usr/bin/time=time
build_and_install

# --- Inputs -----------------------------------------------------------------------------------

data=$PWD/target/bench-cluster
mkdir -p "$data"
# The cache key includes the generator's hash: a changed generator means new files.
gen_hash=$(sha256sum benches/cluster-gen.py | cut -c1-12)
seed=1

# Writes (or reuses) a cluster file and sets $file; the generator's summary line (size, average
# object sizes, generation time) is kept next to it as $file.log.
cluster_file() {
  local nodes=$1 pods=$2 stem
  stem=cluster-${nodes}n-${pods}p-s${seed}-$form
  file=$data/$stem-$gen_hash.json
  if [ -s "$file" ] && [ -s "$file.log" ]; then
    echo "using cached $file" >&2
    return
  fi
  # Older generations of the same size are a few GB each: drop them.
  rm -f "$data/$stem"-*.json "$data/$stem"-*.json.log
  local compact=()
  if [ "$form" = compact ]; then
    compact=(--compact)
  fi
  python3 benches/cluster-gen.py "${compact[@]}" --nodes "$nodes" --pods "$pods" --seed "$seed" "$file" |
    tee "$file.log" >&2
}
cluster_file 5000 150000
full=$file
cluster_file 500 15000
tenth=$file

# The tenth file, checked in full once after it is written: valid JSON for Python's parser and
# for jq, the requested counts, and the average pod size (as kubectl -o json indents it, as the
# compact JSON the API server sends, and compact without managedFields, which kubectl 1.21+
# leaves out unless --show-managed-fields). jq parses the full file whole below.
check=$tenth.check.json
if ! [ -s "$check" ]; then
  python3 - "$tenth" 500 15000 >"$check.tmp" <<'EOF'
import json, sys
path, want_nodes, want_pods = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, encoding="utf-8") as f:
    doc = json.load(f)
assert doc["kind"] == "List" and doc["apiVersion"] == "v1", "not a v1 List"
items = doc["items"]
pods = [i for i in items if i["kind"] == "Pod"]
nodes = [i for i in items if i["kind"] == "Node"]
assert (len(nodes), len(pods)) == (want_nodes, want_pods), (len(nodes), len(pods))

def in_file(o):
    # As kubectl indents an item of a List: 4 spaces a level, two levels deep, ",\n" after it.
    s = json.dumps(o, indent=4, sort_keys=True)
    return len(s) + 8 * (s.count("\n") + 1) + 2

compact = lambda o: len(json.dumps(o, separators=(",", ":")))
no_mf = lambda p: dict(p, metadata={k: v for k, v in p["metadata"].items() if k != "managedFields"})
n = len(pods)
print(json.dumps({
    "pod_in_file": sum(map(in_file, pods)) / n,
    "pod_compact": sum(map(compact, pods)) / n,
    "pod_compact_no_mf": sum(compact(no_mf(p)) for p in pods) / n,
    "docker_nodes": sum(1 for i in nodes if i["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("docker://")),
}))
EOF
  [ "$(jq '.items | length' "$tenth")" = 15500 ] || { echo "jq reads a wrong item count in $tenth" >&2; exit 1; }
  mv "$check.tmp" "$check"
fi
# Pods are meant to weigh about 4 KiB as the API server sends them: a generator drifting far
# from that would change what the benchmark measures.
python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); sys.exit(not 3 * 1024 <= c["pod_compact"] <= 8 * 1024)' \
  "$check" || { echo "average pod size out of range: $(cat "$check")" >&2; exit 1; }

# --- runtime-audit ----------------------------------------------------------------------------

# One run on the tenth file first: a missing subcommand or a crash stops the benchmark here,
# before minutes of measurements. Its report must be JSON.
rc=0
"$bin" cluster -f "$tenth" --format json >"$data/report-tenth.json" 2>"$data/report-tenth.err" || rc=$?
if [ "$rc" -gt 1 ]; then
  echo "runtime-audit cluster failed on $tenth (exit $rc):" >&2
  head -n 20 "$data/report-tenth.err" >&2
  exit 1
fi
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$data/report-tenth.json" ||
  { echo "runtime-audit cluster --format json did not print JSON (see $data/report-tenth.json)" >&2; exit 1; }

# Exit 1 only says there are findings (the generated clusters have them): the commands fail
# hyperfine only when the binary does.
ra() { echo "$bin cluster -f $1 --format json >/dev/null; [ \$? -le 1 ]"; }
hyperfine --style basic --warmup 2 --runs 10 --export-json "$out/cluster-ra-tenth.json" \
  -n "runtime-audit, tenth" "$(ra "$tenth")" >&2
# The warm-up also brings the full file (GBs) into the page cache for every later run.
hyperfine --style basic --warmup 1 --runs 5 --export-json "$out/cluster-ra-full.json" \
  -n "runtime-audit, full" "$(ra "$full")" >&2

# Peak RSS (KiB) of one run: `peak_rss FILE COMMAND...`; fails when the command exits above 1.
peak_rss() {
  local f=$1 rc=0
  shift
  /usr/bin/time -f %M -o "$f" "$@" >/dev/null || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "failed (exit $rc): $*" >&2
    exit 1
  fi
}
peak_rss "$out/cluster-ra-tenth.rss" "$bin" cluster -f "$tenth" --format json
peak_rss "$out/cluster-ra-full.rss" "$bin" cluster -f "$full" --format json

# --- jq -------------------------------------------------------------------------------------

query='[.items[] | select(.kind=="Pod") | .spec.volumes[]? | select(.hostPath) | .hostPath.path] | length'
hyperfine --style basic --warmup 1 --runs 3 --export-json "$out/cluster-jq-tenth.json" \
  -n "jq, tenth" "jq '$query' $tenth >/dev/null" >&2
peak_rss "$out/cluster-jq-tenth.rss" jq "$query" "$tenth"
# One run on the full file (about a minute, several GiB): wall time and peak RSS together.
/usr/bin/time -f '%e %M' -o "$out/cluster-jq-full.time" jq "$query" "$full" >"$out/cluster-jq-full.out"
echo "jq, full: $(cat "$out/cluster-jq-full.time") (s, KiB); $(cat "$out/cluster-jq-full.out") hostPath volumes" >&2

# --- Summary --------------------------------------------------------------------------------

python3 - "$out" "$check" "$full" "$tenth" "$(jq --version)" <<'EOF'
import json, math, os, statistics, sys
out, check, full, tenth, jq_version = sys.argv[1:]
c = json.load(open(check))

def hf(name):
    t = json.load(open(f"{out}/cluster-{name}.json"))["results"][0]["times"]
    return statistics.median(t), min(t), max(t), len(t)

def rss(name):
    return int(open(f"{out}/cluster-{name}.rss").read().split()[-1]) / 1024

jq_full_s, jq_full_kib = open(f"{out}/cluster-jq-full.time").read().split()[-2:]
jq_full, jq_full_rss = float(jq_full_s), int(jq_full_kib) / 1024
ra_full, ra_tenth, jq_tenth = hf("ra-full"), hf("ra-tenth"), hf("jq-tenth")
ok = lambda cond: "met" if cond else "MISSED"
# Speed-ups rounded down: 9.96x must not print as a met "10.0x".
speedup = lambda x: f"{math.floor(x * 10) / 10:.1f}x faster"
mib = lambda f: os.path.getsize(f) / 2**20
dur = lambda s: f"{s:.2f} s" if s >= 1 else f"{s * 1000:.0f} ms"
secs = lambda r: f"{dur(r[0])} (min {dur(r[1])}, max {dur(r[2])})"
gen = lambda f: open(f + ".log").read().strip().rsplit("; ", 1)[-1]

print(f"Inputs: full {mib(full):.0f} MiB (5,000 nodes, 150,000 pods), tenth {mib(tenth):.0f} MiB "
      f"(500 nodes, 15,000 pods; {c['docker_nodes']} nodes on Docker), generated in {gen(full)} and {gen(tenth)}. "
      f"Average pod: {c['pod_compact'] / 1024:.1f} KiB as compact JSON, {c['pod_in_file'] / 1024:.1f} KiB as "
      f"kubectl -o json indents it, {c['pod_compact_no_mf'] / 1024:.1f} KiB compact without managedFields. "
      f"hostPath volumes (jq): {open(f'{out}/cluster-jq-full.out').read().strip()} in the full file.\n")
print("| measure | value | target | |")
print("|---|---|---|---|")
print(f"| runtime-audit, full file, median of {ra_full[3]} | {secs(ra_full)} | under 3 s | {ok(ra_full[0] < 3)} |")
print(f"| runtime-audit, full file, peak RSS | {rss('ra-full'):.1f} MiB | under 256 MiB | {ok(rss('ra-full') < 256)} |")
print(f"| {jq_version} hostPath query, full file, 1 run | {dur(jq_full)} | | |")
print(f"| jq, full file, peak RSS | {jq_full_rss:.0f} MiB | | |")
x = jq_full / ra_full[0]
print(f"| jq / runtime-audit, full file | {speedup(x)} | at least 10x | {ok(x >= 10)} |")
print(f"| runtime-audit, tenth file, median of {ra_tenth[3]} | {secs(ra_tenth)} | | |")
print(f"| runtime-audit, tenth file, peak RSS | {rss('ra-tenth'):.1f} MiB | under 256 MiB | {ok(rss('ra-tenth') < 256)} |")
print(f"| {jq_version} hostPath query, tenth file, median of {jq_tenth[3]} | {secs(jq_tenth)} | | |")
print(f"| jq, tenth file, peak RSS | {rss('jq-tenth'):.0f} MiB | | |")
x = jq_tenth[0] / ra_tenth[0]
print(f"| jq / runtime-audit, tenth file | {speedup(x)} | at least 10x | {ok(x >= 10)} |")
EOF
