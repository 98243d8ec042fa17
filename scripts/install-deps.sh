#!/usr/bin/env bash
# Installs the Debian 12 packages raamatch needs to build, test and run, and
# the npm packages of the Node client test. Safe to run again: it installs
# only what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang clang-format python3 sqlite3
  unzip
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libsqlite3-dev libsqlitecpp-dev libgtest-dev libgmock-dev
  libbenchmark-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libgoogle-common-protos-java libssl-dev libcsv-dev libutf8proc-dev tzdata openssl
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

# The Node client's packages, exactly as tests/node/package-lock.json pins
# them; again only when the lock file changed since the last install.
node_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/node"
stamp="$node_dir/node_modules/.installed-package-lock.json"
if ! cmp -s "$node_dir/package-lock.json" "$stamp"; then
  echo "Installing the Node client's packages (npm ci in tests/node)"
  (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp "$node_dir/package-lock.json" "$stamp"
fi
