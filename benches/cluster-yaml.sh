#!/usr/bin/env bash
# Benchmarks `runtime-audit cluster` on YAML, as `kubectl get nodes,pods -A -o yaml` prints it,
# beside the same cluster as JSON: benches/cluster-gen.py writes the cluster (default 500 nodes
# and 15,000 pods, the tenth file of benches/cluster.sh) and PyYAML's C emitter turns it into
# block-style YAML with sorted keys, as kubectl writes it (cached under target/bench-cluster/).
# Measured: median wall time of 5 runs (hyperfine) and peak RSS (GNU time) of
# `runtime-audit cluster -f FILE --format json` on each form. Checked: both forms give the same
# findings, rollout and summary (locations aside). YAML has no target: it is read on one thread,
# whole, where JSON is cut into objects and parsed on every core.
# Usage: benches/cluster-yaml.sh [NODES PODS]. Prints a Markdown summary.
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-500}
pods=${2:-15000}

# shellcheck source=benches/common.sh
source benches/common.sh
need hyperfine=hyperfine /usr/bin/time=time
# PyYAML is a module, not a command: looked for by importing it.
python3 -c 'import yaml' 2>/dev/null || {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-yaml >/dev/null
}
build_and_install

data=$PWD/target/bench-cluster
mkdir -p "$data"
gen_hash=$(sha256sum benches/cluster-gen.py | cut -c1-12)
json=$data/cluster-${nodes}n-${pods}p-s1-yamlsrc-$gen_hash.json
yaml=${json%.json}.yaml
if ! [ -s "$yaml" ]; then
  python3 benches/cluster-gen.py --nodes "$nodes" --pods "$pods" --seed 1 "$json" >&2
  python3 - "$json" "$yaml.tmp" <<'EOF'
import json, sys, yaml
with open(sys.argv[1], encoding="utf-8") as f:
    doc = json.load(f)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    yaml.dump(doc, f, Dumper=yaml.CSafeDumper, default_flow_style=False, sort_keys=True, width=1 << 20)
EOF
  mv "$yaml.tmp" "$yaml"
fi

for form in json yaml; do
  file=$data/cluster-${nodes}n-${pods}p-s1-yamlsrc-$gen_hash.$form
  rc=0
  "$bin" cluster -f "$file" --format json >"$out/cluster-$form.report.json" || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "runtime-audit cluster failed on $file (exit $rc)" >&2
    exit 1
  fi
  hyperfine --style basic --warmup 1 --runs 5 --export-json "$out/cluster-$form.json" \
    -n "runtime-audit, $form" "$bin cluster -f $file --format json >/dev/null; [ \$? -le 1 ]" >&2
  /usr/bin/time -f %M -o "$out/cluster-$form.rss" "$bin" cluster -f "$file" --format json >/dev/null || true
done

python3 - "$out" "$json" "$yaml" <<'EOF'
import json, os, statistics, sys
out, json_file, yaml_file = sys.argv[1:]
reports = {f: json.load(open(f"{out}/cluster-{f}.report.json")) for f in ("json", "yaml")}
unplaced = lambda r: [{k: v for k, v in f.items() if k not in ("location", "fingerprint")} for f in r["findings"]]
same = all(reports["json"][k] == reports["yaml"][k] for k in ("rollout", "summary")) and \
    unplaced(reports["json"]) == unplaced(reports["yaml"])
if not same:
    sys.exit("the JSON and YAML forms of the cluster give different reports")
mib = lambda f: os.path.getsize(f) / 2**20
print(f"Inputs: {mib(json_file):.0f} MiB of JSON and {mib(yaml_file):.0f} MiB of YAML, the same "
      f"{reports['json']['read']['nodes']:,} nodes and {reports['json']['read']['pods']:,} pods; "
      f"both give the same {len(reports['json']['findings'])} findings, rollout and summary.\n")
print("| form | median of 5 | min | max | peak RSS |")
print("|---|---|---|---|---|")
for form in ("json", "yaml"):
    t = json.load(open(f"{out}/cluster-{form}.json"))["results"][0]["times"]
    rss = int(open(f"{out}/cluster-{form}.rss").read().split()[-1]) / 1024
    print(f"| {form} | {statistics.median(t):.2f} s | {min(t):.2f} s | {max(t):.2f} s | {rss:.1f} MiB |")
EOF
