# Shared by the benchmark scripts (sourced from the repository root).

# Installs the Debian packages whose command is missing: `need COMMAND=PACKAGE ...`.
need() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%=*}" >/dev/null || missing+=("${pair#*=}")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Builds the release binary and installs a copy as $bin, with results under $out.
# Measured as installed (a copy, like `cargo install` makes): on this kind of machine, running
# the linker's output file straight from target/ costs about 0.6 ms more system time per run
# than a copy of the same bytes.
build_and_install() {
  local built
  # The executable's path as cargo reports it (target/<host tuple>/release/..., see
  # .cargo/config.toml).
  built=$(cargo build --release --locked --quiet --message-format=json | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "runtime-audit":
        print(m["executable"])')
  out=$PWD/target/bench
  mkdir -p "$out"
  bin=$out/runtime-audit
  install -m 755 "$built" "$bin"
}
