#!/usr/bin/env bash
# Writes every output the tool produces for the fixtures and the corpus into OUT_DIR, one file
# per scenario and format, so two builds can be compared with `diff -r` (a refactoring must
# leave them identical):
#
#   tests/support/outputs.sh BINARY OUT_DIR
#
# Covered: each fixture scenario (human, JSON, SARIF, inspect human and JSON), each corpus file
# placed where a node keeps it and audited for several releases, and the rule catalog with every
# rule's explanation.
set -euo pipefail

bin=$(realpath "$1")
out=$(realpath -m "$2")
repo=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$(realpath -m "${RUNTIME_AUDIT_CORPUS:-$repo/../shared/corpus}")
rm -rf "$out"
mkdir -p "$out"

export NO_COLOR=1 RUNTIME_AUDIT_TODAY=2026-11-27
unset CLICOLOR_FORCE

# run NAME ARGS...: stdout, stderr and exit code of one run, in one file.
run() {
  local name=$1
  shift
  local code=0
  "$bin" "$@" >"$out/$name" 2>"$out/$name.stderr" || code=$?
  echo "exit $code" >>"$out/$name.stderr"
}

# Fixture scenarios, run the way tests/fixtures.rs runs them: from the scenario directory.
while IFS= read -r scenario; do
  dir=$(dirname "$scenario")
  name=$(realpath --relative-to="$repo/fixtures" "$dir" | tr / _)
  mapfile -t args < <(python3 - "$scenario" <<'EOF'
import sys, tomllib
s = tomllib.load(open(sys.argv[1], "rb"))
for a in s.get("args", []):
    print(a)
if "node_file" in s:
    print("--node-file")
    print(s["node_file"])
EOF
  )
  (
    cd "$dir"
    run "fixture.$name.human" --root . "${args[@]}"
    run "fixture.$name.json" --root . --format json "${args[@]}"
    run "fixture.$name.sarif" --root . --format sarif "${args[@]}"
    run "fixture.$name.inspect" inspect --root . "${args[@]}"
    run "fixture.$name.inspect.json" inspect --root . --format json "${args[@]}"
  )
done < <(find "$repo/fixtures" -name scenario.toml | sort)

# Corpus files, each alone on a node at the place its kind lives, for several releases.
place() {
  case $1 in
    containerd) echo etc/containerd/config.toml ;;
    crictl) echo etc/crictl.yaml ;;
    docker-daemon) echo etc/docker/daemon.json ;;
    kubelet-config) echo var/lib/kubelet/config.yaml ;;
    kubelet-flags) echo var/lib/kubelet/kubeadm-flags.env ;;
    hosts-toml) echo etc/containerd/certs.d/registry.example/hosts.toml ;;
    *) return 1 ;;
  esac
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -f "$corpus/MANIFEST.tsv" ]; then
  for file in "$corpus"/*/*; do
    kind=$(basename "$(dirname "$file")")
    base=$(basename "$file")
    root=$work/$kind.$base
    if [ "$kind" = node ]; then
      mkdir -p "$root"
      set -- --node-file "$file"
    elif dest=$(place "$kind"); then
      mkdir -p "$root/$(dirname "$dest")"
      cp "$file" "$root/$dest"
      set --
    else
      continue
    fi
    for versions in "" "--containerd-version 1.6.20 --kubernetes-version 1.23" \
      "--containerd-version 1.7.24 --kubernetes-version 1.29" \
      "--containerd-version 2.1.9 --kubernetes-version 1.33"; do
      # shellcheck disable=SC2086
      tag=$(echo "${versions:-none}" | tr -d ' -' )
      # From the node's root, so that no temporary path appears in the outputs.
      # shellcheck disable=SC2086
      (cd "$root" && run "corpus.$kind.$base.$tag.json" --root . --format json "$@" $versions)
      # shellcheck disable=SC2086
      (cd "$root" && run "corpus.$kind.$base.$tag.human" --root . "$@" $versions)
    done
    (cd "$root" && run "corpus.$kind.$base.inspect" inspect --root . "$@")
  done
else
  echo "corpus missing at $corpus: corpus outputs not written" >&2
fi

# The catalog and the docs compiled in.
run catalog.human rules
run catalog.json rules --format json
run catalog.md rules --format markdown
for doc in "$repo"/rules/RA*.md; do
  id=$(basename "$doc" .md)
  run "explain.$id" explain "$id"
done
echo "$(find "$out" -type f | wc -l) files in $out"
