#!/usr/bin/env bash
# Checks that every folder includes only folders below it (docs/architecture.md,
# "Layers"). Reads every #include "..." in common/, matcher/, services/* and
# clients/, and fails naming each file and include that goes up or sideways.
# Includes of generated protos (raa/v1/...) and of other libraries are not
# checked; tests/ and bench/ may include anything.
#
# A new folder under services/ must be added to LAYERS below, in its place,
# or this check fails naming it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Bottom to top. A folder may include itself and any folder before it here.
LAYERS=(
  common
  matcher
  services/store
  services/auth
  services/audit
  services/rpc
  services/registry
  services/access
  services/matching
  services/ledger
  services/journey
  services/reports
  services/server
)
# clients/ is beside the server, not above it: common/ and itself only.
CLIENTS_MAY_INCLUDE=(common clients)

# The layer folder a path belongs to ("services/auth/rules.h" →
# "services/auth"; "matcher/internal/packed.h" → "matcher").
# Sets `folder`.
folder_of() {
  local rest
  case "$1" in
    services/*/*)
      rest=${1#services/}
      folder="services/${rest%%/*}"
      ;;
    *) folder=${1%%/*} ;;
  esac
}

declare -A RANK
for i in "${!LAYERS[@]}"; do RANK[${LAYERS[$i]}]=$i; done

# Our own top-level folders; an include starting with anything else is a
# generated or third-party header.
is_ours() {
  case "$1" in
    common/* | matcher/* | services/* | clients/* | tests/* | bench/*) return 0 ;;
    *) return 1 ;;
  esac
}

failures=0
fail() {
  echo "check-layers: $1" >&2
  failures=$((failures + 1))
}

while IFS= read -r file; do
  folder_of "$file"
  from=$folder
  if [[ "$from" != clients ]] && [[ -z "${RANK[$from]:-}" ]]; then
    fail "$file: folder $from is not in the LAYERS table of scripts/check-layers.sh"
    continue
  fi
  while IFS= read -r inc; do
    is_ours "$inc" || continue
    folder_of "$inc"
    to=$folder
    if [[ "$from" == clients ]]; then
      ok=0
      for allowed in "${CLIENTS_MAY_INCLUDE[@]}"; do
        [[ "$to" == "$allowed" ]] && ok=1
      done
      ((ok)) || fail "$file includes \"$inc\": clients/ may include only ${CLIENTS_MAY_INCLUDE[*]}"
      continue
    fi
    if [[ -z "${RANK[$to]:-}" ]] || ((RANK[$to] > RANK[$from])); then
      fail "$file includes \"$inc\": $from may include only itself and ${LAYERS[*]:0:${RANK[$from]}}"
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
done < <(git ls-files -co --exclude-standard -- common matcher services clients |
  grep -E '\.(h|cc|in)$')

if ((failures)); then
  echo "check-layers: $failures include(s) break the layering" >&2
  exit 1
fi
echo "check-layers: every include goes down"
