#!/usr/bin/env bash
# Puts the google/rpc, google/type and google/protobuf .proto files that the
# raamatch API imports into DIR, so that a client built from protos/ alone
# resolves every import (docs/api.md):
#
#   scripts/google-protos.sh third_party/protos
#   protoc -I protos -I third_party/protos --python_out=out protos/raa/v1/*.proto
#
# google/rpc and google/type come from Debian's libgoogle-common-protos-java
# (a jar, which is a zip; RAA_COMMON_PROTOS_JAR overrides its path), the
# google/protobuf well-known types from libprotobuf-dev. Safe to run again:
# files are overwritten with the same contents. Exit 1 if a source is missing,
# 2 on a usage error.
set -euo pipefail

if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  echo "usage: $0 DIR   (puts google/rpc, google/type and google/protobuf protos in DIR)" >&2
  exit 2
fi
dir=$1
jar=${RAA_COMMON_PROTOS_JAR:-/usr/share/java/proto-google-common-protos.jar}
wkt=${RAA_WELL_KNOWN_PROTOS:-/usr/include/google/protobuf}

if [ ! -f "$jar" ]; then
  echo "$0: $jar is missing: install libgoogle-common-protos-java (scripts/install-deps.sh)" >&2
  exit 1
fi
if [ ! -f "$wkt/timestamp.proto" ]; then
  echo "$0: $wkt/timestamp.proto is missing: install libprotobuf-dev (scripts/install-deps.sh)" >&2
  exit 1
fi
if ! command -v unzip >/dev/null 2>&1; then
  echo "$0: unzip is missing: install unzip (scripts/install-deps.sh)" >&2
  exit 1
fi

mkdir -p "$dir/google/protobuf"
unzip -q -o "$jar" 'google/rpc/*.proto' 'google/type/*.proto' -d "$dir"
# The well-known types the API and google/rpc import, and their neighbours.
for name in any duration empty field_mask struct timestamp wrappers; do
  cp "$wkt/$name.proto" "$dir/google/protobuf/$name.proto"
done

# Every import of protos/ must now resolve from protos/ or DIR.
root=$(cd "$(dirname "$0")/.." && pwd)
missing=0
while read -r import; do
  if [ ! -f "$root/protos/$import" ] && [ ! -f "$dir/$import" ]; then
    echo "$0: protos/ imports $import, which is in neither protos/ nor $dir" >&2
    missing=1
  fi
done < <(sed -n 's/^import "\(.*\)";/\1/p' "$root"/protos/raa/v1/*.proto | sort -u)
exit $missing
