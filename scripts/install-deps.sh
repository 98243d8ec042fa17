#!/usr/bin/env bash
# Installs the Debian 12 packages raamatch needs to build, test and run, and
# the npm packages of the Node client test, of the tools (buf) and of the web
# console (GOV.UK Frontend). Safe to run again: it installs only what is
# missing. One run at a time: a second run started meanwhile (another
# terminal, scripts/test.sh beside scripts/demo.sh in one checkout) waits for
# the first, since two `npm ci` in one folder delete each other's files, and
# then finds everything installed.
set -euo pipefail
exec 9<"${BASH_SOURCE[0]}"
flock 9

packages=(
  build-essential cmake ninja-build pkg-config clang clang-format python3 sqlite3
  unzip
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libsqlite3-dev libsqlitecpp-dev libgtest-dev libgmock-dev
  libbenchmark-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libgoogle-common-protos-java libssl-dev libcsv-dev libutf8proc-dev tzdata openssl
  libxml2-dev
  # raamatchd's allocator.
  libjemalloc-dev
  # The linker (LLVM's lld): a test binary links in a quarter of GNU ld's
  # time.
  lld
  # h2load, the independent HTTP/2 load generator bench/grpc_bench.sh drives
  # with raw gRPC frames.
  nghttp2-client
  # The web console (raa-web): HTTP(S) and mustache templates.
  libcpp-httplib-dev libkainjow-mustache-dev
  # Headless Chromium opens the HTML report in a test (report_html_chromium);
  # Liberation Sans stands in for the report's Arial.
  chromium fonts-liberation
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node and npm run the independent API client test (tests/node). Debian 12's
# nodejs 18 is enough; a newer node already installed (e.g. with its own npm)
# is used as it is, so these are asked for only when the commands are missing.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The npm packages, exactly as each package-lock.json pins them, and again
# only when the lock file changed since the last install: the Node client's
# (tests/node) and the project's tools (tools/: buf, which lints protos/ and
# checks it for breaking changes, scripts/check-api.sh), and the web
# console's (clients/web: govuk-frontend, whose styles, scripts and fonts
# raa-web serves; the build copies them beside it). --ignore-scripts is
# enough for buf too: its binary comes in the platform package npm picks
# (@bufbuild/buf-linux-x64), not from an install script.
root="$(cd "$(dirname "$0")/.." && pwd)"
for dir in tests/node tools clients/web; do
  node_dir="$root/$dir"
  stamp="$node_dir/node_modules/.installed-package-lock.json"
  if ! cmp -s "$node_dir/package-lock.json" "$stamp"; then
    echo "Installing the npm packages of $dir (npm ci)"
    (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    cp "$node_dir/package-lock.json" "$stamp"
  fi
done
