#!/usr/bin/env bash
# Fetches newer containerd and Docker releases from Debian's newer suites and unpacks each
# into its own directory, so tests can run them next to the host's packages. Nothing is
# installed: apt runs on a private state (its own sources, lists and caches, nothing of the
# host's dpkg database), each .deb is unpacked with `dpkg -x`, and the host's packages stay as
# they are. Needs apt-get, dpkg and network access to the Debian mirror the host's apt sources
# name; root is not needed.
#
#   tests/support/releases.sh [NAME...]       fetch and verify the releases (default: all) and
#                                             print each one's directory and version lines
#   tests/support/releases.sh env [NAME...]   the same, then print VARIABLE=BIN_DIR lines only
#   tests/support/releases.sh dir NAME        the same for one release, then print its BIN_DIR
#
# NAME is a first column of the table below. BIN_DIR is RELEASE_DIR/bin and holds every program
# of the release (the packages split them between usr/bin and usr/sbin), so a test puts it first
# on PATH. Progress and errors go to stderr; stdout holds only what the command prints.
# From .ci/run or another script (a failed fetch stops it under `set -e`):
#
#   tests/support/releases.sh env containerd-2.1.9 docker-28.5.2 >"$tmp/releases.env"
#   set -a; . "$tmp/releases.env"; set +a
#
# The releases live in ${RUNTIME_AUDIT_RELEASES:-$HOME/.cache/runtime-audit/releases}/NAME.
# A release is done once its programs ran and printed the expected version (NAME/.verified);
# later runs only read that file. Remove NAME's directory to fetch it again. When a suite has
# moved on from the version below, the fetch fails: update the table and the tests that use it.
# The mirror is the one the host's apt sources use for its own release
# (RUNTIME_AUDIT_DEBIAN_MIRROR overrides it); signatures are checked with Debian's archive
# keyring.
set -euo pipefail

# Each Docker release runs on the containerd of its suite. Every release runs its containers
# with the host's runc: Debian's runc from trixie (1.1.15) and forky (1.3.6) needs glibc 2.38,
# which Debian 12 does not have (`version GLIBC_2.38 not found`).
# NAME (kind-version)  suite   variable for `env`            packages
releases=(
  "containerd-1.7.24   trixie  RUNTIME_AUDIT_CONTAINERD_1_7  containerd"
  "containerd-2.1.9    forky   RUNTIME_AUDIT_CONTAINERD_2_1  containerd"
  "docker-26.1.5       trixie  RUNTIME_AUDIT_DOCKER_26       docker.io docker-cli"
  "docker-28.5.2       forky   RUNTIME_AUDIT_DOCKER_28       docker.io docker-cli"
)
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

root=$(realpath -m "${RUNTIME_AUDIT_RELEASES:-$HOME/.cache/runtime-audit/releases}")

die() {
  echo "releases.sh: $*" >&2
  exit 1
}

# row NAME: the table row of NAME, split into the globals suite, variable and packages.
row() {
  local r name
  for r in "${releases[@]}"; do
    read -r name suite variable packages <<<"$r"
    [ "$name" = "$1" ] && return 0
  done
  die "no release named $1 (known: $(names | paste -sd ' '))"
}

names() {
  local r
  for r in "${releases[@]}"; do echo "${r%% *}"; done
}

# programs NAME: the programs whose version proves the release runs here, each with the flag
# that prints it (the shim has no --version).
programs() {
  case $1 in
    containerd-*) echo containerd:--version ctr:--version containerd-shim-runc-v2:-v ;;
    docker-*) echo dockerd:--version docker:--version ;;
  esac
}

# mirror: the Debian archive the host's apt sources use for the host's own release (the
# security archive names other suites), from deb822 .sources or one-line .list files.
mirror() {
  if [ -n "${RUNTIME_AUDIT_DEBIAN_MIRROR:-}" ]; then
    echo "${RUNTIME_AUDIT_DEBIAN_MIRROR%/}"
    return
  fi
  local codename found
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ -n "$codename" ] || die "/etc/os-release names no VERSION_CODENAME; set RUNTIME_AUDIT_DEBIAN_MIRROR"
  found=$(
    {
      cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk -v suite="$codename" '
          { sub(/#.*/, ""); sub(/\[[^]]*\]/, "") }
          $1 == "deb" && $3 == suite && $2 ~ /^https?:\/\// { print $2 }'
      for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        # One stanza per paragraph; a line starting with a blank continues the field above.
        awk -v suite="$codename" '
          BEGIN { RS = ""; FS = "\n" }
          {
            delete v
            for (i = 1; i <= NF; i++) {
              if ($i ~ /^#/) continue
              if ($i ~ /^[ \t]/) { v[key] = v[key] " " $i; continue }
              key = tolower(substr($i, 1, index($i, ":") - 1))
              v[key] = substr($i, index($i, ":") + 1)
            }
            if (tolower(v["enabled"]) ~ /no/) next
            if ((" " v["types"] " ") !~ /[ \t]deb[ \t]/) next
            if ((" " v["suites"] " ") !~ ("[ \t]" suite "[ \t]")) next
            n = split(v["uris"], u, /[ \t]+/)
            for (j = 1; j <= n; j++) if (u[j] ~ /^https?:\/\//) print u[j]
          }' "$f"
      done
    } | head -n 1
  )
  [ -n "$found" ] || die "no deb source for $codename in /etc/apt; set RUNTIME_AUDIT_DEBIAN_MIRROR"
  echo "${found%/}"
}

# fetch NAME...: downloads and unpacks the releases, each into NAME/ with NAME/.unpacked.
fetch() {
  local suites=() wanted=() name pkg version uri conf tmp f
  apt=$(mktemp -d "$root/.apt.XXXXXX")
  trap 'rm -rf -- "$apt"' EXIT
  for name in "$@"; do
    row "$name"
    [[ " ${suites[*]} " == *" $suite "* ]] || suites+=("$suite")
  done
  uri=$(mirror)
  echo "fetching $* from $uri (${suites[*]})" >&2
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$apt/unpack"
  : >"$apt/status"
  for suite in "${suites[@]}"; do
    # Packages indexes only: the host's apt.conf.d may ask for AppStream metadata too.
    echo "deb [signed-by=$keyring targets=Packages] $uri $suite main"
  done >"$apt/sources.list"
  # The host's apt.conf.d still applies (a proxy, say); its update hooks do not, as they would
  # act on the host's own lists and caches.
  conf=$apt/apt.conf
  cat >"$conf" <<EOF
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
Dir::Etc::SourceList "$apt/sources.list";
Dir::Etc::SourceParts "/dev/null";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "/dev/null";
Dir::State::Lists "$apt/lists";
Dir::State::Status "$apt/status";
Dir::Cache "$apt/cache";
Acquire::Languages "none";
EOF
  # apt's download user cannot reach a directory in root's home.
  [ "$(id -u)" != 0 ] || echo 'APT::Sandbox::User "root";' >>"$conf"
  apt-get -c "$conf" -qq update >&2 || die "apt-get update failed for ${suites[*]} on $uri"

  # The version each suite has must be the table's; `pkg=version` then picks exactly that one.
  # One apt-cache call for all packages: each call reads every index again.
  for name in "$@"; do row "$name" && echo "$packages"; done | xargs -n 1 | sort -u |
    xargs apt-cache -c "$conf" madison >"$apt/madison"
  for name in "$@"; do
    row "$name"
    for pkg in $packages; do
      # Lines read `package | version | URI suite/component arch Packages`.
      version=$(awk -F' [|] ' -v p="$pkg" -v s=" $suite/" '
        { n = $1; gsub(/ /, "", n) } n == p && index($3, s) { print $2; exit }' "$apt/madison")
      [ -n "$version" ] || die "$pkg is not in $suite on $uri"
      [[ ${version#*:} == "${name#*-}"[~+-]* ]] ||
        die "$pkg in $suite is $version, not ${name#*-}: update the table in $0 (and the tests that use $name)"
      wanted+=("$pkg=$version")
      echo "$name $pkg $version" >>"$apt/plan"
    done
  done
  (cd "$apt/debs" && apt-get -c "$conf" -qq download "${wanted[@]}" >&2) ||
    die "apt-get download failed for ${wanted[*]}"

  for name in "$@"; do
    # Unpacked in the cache's own temporary directory and moved in whole, so an interrupted
    # run leaves no half-filled release behind.
    tmp=$apt/unpack/$name
    mkdir "$tmp"
    while read -r _ pkg version; do
      # apt-get download writes an epoch's colon as %3a.
      dpkg -x "$apt/debs/${pkg}_${version/:/%3a}_"*.deb "$tmp" || die "dpkg -x failed for $pkg $version"
      echo "$pkg=$version" >>"$tmp/.unpacked"
    done < <(awk -v n="$name" '$1 == n' "$apt/plan")
    # bin/: one directory for PATH, with relative links so the release can be moved.
    mkdir "$tmp/bin"
    for f in "$tmp"/usr/bin/* "$tmp"/usr/sbin/*; do
      [ -e "$f" ] && [ ! -e "$tmp/bin/${f##*/}" ] || continue
      ln -s "../${f#"$tmp"/}" "$tmp/bin/${f##*/}"
    done
    rm -rf "${root:?}/$name"
    mv "$tmp" "$root/$name"
  done
  rm -rf -- "$apt"
  trap - EXIT
}

# verify NAME: runs each program of the release and checks it prints the release's version;
# writes NAME/.verified with the version lines, or says why a program does not run here.
verify() {
  local name=$1 dir=$root/$1 version=${1#*-} p program flag out need ok=true
  {
    cat "$dir/.unpacked"
    for p in $(programs "$name"); do
      program=${p%%:*}
      flag=${p#*:}
      [ -x "$dir/bin/$program" ] || {
        echo "$name: the packages hold no $program" >&2
        ok=false
        continue
      }
      if out=$("$dir/bin/$program" "$flag" 2>&1) && grep -qF "$version" <<<"$out"; then
        echo "$program: $(grep -F "$version" <<<"$out" | head -n 1 | tr -s ' \t' ' ' | sed 's/^ //; s/ $//')"
      else
        ok=false
        {
          echo "$name: bin/$program $flag does not run on this host:"
          head -n 5 <<<"$out" | sed 's/^/    /'
          # What the loader misses, if that is why: a library or a glibc symbol version.
          need=$({ echo "$out" && ldd "$dir/bin/$program" 2>&1; } |
            grep -oE "version \`[^']+' not found|[^[:space:]]+ => not found" |
            sed -E "s/^version \`(.*)' not found/\1/; s/ => not found//" | sort -u | paste -sd ' ' || true)
          [ -z "$need" ] || echo "    the loader misses $need; this host has $(ldd --version | head -n 1)"
        } >&2
      fi
    done
  } >"$dir/.verified.tmp"
  if $ok; then
    mv "$dir/.verified.tmp" "$dir/.verified"
  else
    rm -f "$dir/.verified.tmp"
    return 1
  fi
}

# ensure NAME...: every release fetched and verified, or named in the global `failed`; the
# quick path reads only the markers.
failed=()
ensure() {
  local name missing=() unpacked=()
  for name in "$@"; do
    row "$name"
    [ -f "$root/$name/.verified" ] || missing+=("$name")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  command -v apt-get >/dev/null && command -v dpkg >/dev/null || die "needs apt-get and dpkg (Debian)"
  mkdir -p "$root"
  # One fetch at a time: tests may call this from several processes.
  exec 9>"$root/.lock"
  flock 9
  # Left by a run that was killed; only the holder of the lock uses them.
  rm -rf "$root"/.apt.*
  missing=()
  for name in "$@"; do
    [ -f "$root/$name/.verified" ] && continue
    missing+=("$name")
    # Unpacked earlier but not verified (it did not run here then): no download needed.
    [ -f "$root/$name/.unpacked" ] || unpacked+=("$name")
  done
  [ ${#unpacked[@]} -eq 0 ] || fetch "${unpacked[@]}"
  for name in "${missing[@]}"; do
    verify "$name" || failed+=("$name")
  done
  exec 9>&-
}

command=show
case ${1:-} in
  env | dir) command=$1 && shift ;;
  -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' && exit 0 ;;
esac
[ $# -gt 0 ] || mapfile -t argv < <(names)
[ $# -eq 0 ] || argv=("$@")
[ "$command" != dir ] || [ ${#argv[@]} -eq 1 ] || die "dir takes one release name"
ensure "${argv[@]}"
for name in "${argv[@]}"; do
  row "$name"
  [ -f "$root/$name/.verified" ] || continue
  case $command in
    show)
      echo "$name $root/$name"
      sed 's/^/  /' "$root/$name/.verified"
      ;;
    env) printf '%s=%q\n' "$variable" "$root/$name/bin" ;;
    dir) echo "$root/$name/bin" ;;
  esac
done
[ ${#failed[@]} -eq 0 ] || die "not usable on this host: ${failed[*]} (unpacked in $root, see above)"
