#!/usr/bin/env bash
# Checks the API in protos/ with buf (buf.yaml): `buf lint` (STANDARD, less
# the two rules that contradict Google's AIPs), then `buf breaking` against
# the API of a previous commit, HEAD~1 by default (on main: the main before
# this change, the first parent of a merge). Run by scripts/test.sh, so by
# CI; buf comes from npm (tools/, scripts/install-deps.sh).
#
#   scripts/check-api.sh            # lint, and breaking against HEAD~1
#   scripts/check-api.sh main       # breaking against another commit
#   RAA_API_BASE=origin/main scripts/check-api.sh
#
# Exit 0 if both pass; with findings, buf's status (100); 2 if buf or the
# Google protos are missing or a base given is not a commit. The breaking
# check is skipped, saying why, when there is nothing to compare with: no git
# checkout (a source tarball), no HEAD~1 in this clone (a shallow clone of
# depth 1: `git fetch --deepen=1` brings it; or the first commit), or a base
# without protos/.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-${RAA_API_BASE:-HEAD~1}}

buf=tools/node_modules/.bin/buf
if [ ! -x "$buf" ]; then
  echo "check-api: $buf is missing: run scripts/install-deps.sh" >&2
  exit 2
fi
# buf's cache beside it (ignored by git), so that no HOME is needed.
export BUF_CACHE_DIR=${BUF_CACHE_DIR:-$PWD/tools/node_modules/.cache/buf}

# buf.yaml's second module: the Google protos that protos/ imports, from
# Debian's packages (never committed, see .gitignore).
if ! scripts/google-protos.sh third_party/protos; then
  exit 2
fi

# The target `protos` lints the API's own files only; third_party/protos is
# there for the imports.
echo "check-api: buf lint protos"
"$buf" lint protos

if ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "check-api: not a git checkout: buf breaking skipped"
  exit 0
fi
if ! base_commit=$(git rev-parse --verify --quiet "$base^{commit}"); then
  if [ "$base" != HEAD~1 ]; then
    echo "check-api: $base is not a commit of this clone" >&2
    exit 2
  fi
  echo "check-api: HEAD~1 is not in this clone (a shallow clone, or the" \
    "first commit; git fetch --deepen=1 brings it): buf breaking skipped"
  exit 0
fi
if [ -z "$(git ls-tree "$base_commit" protos)" ]; then
  echo "check-api: $base has no protos/: buf breaking skipped"
  exit 0
fi

# The base's protos/ in a workspace of the same layout. Not buf's own git
# input ('.git#ref=HEAD~1,subdir=protos'): that sees only files in git, so
# the Google imports, which are not committed, would not resolve, and a base
# from before buf.yaml existed has no configuration at all. The rules are
# this commit's buf.yaml's (breaking: WIRE_JSON, see there); the base only
# has to compile.
against=$(mktemp -d)
trap 'rm -rf "$against"' EXIT
git archive "$base_commit" protos | tar -x -C "$against"
mkdir -p "$against/third_party"
cp -R third_party/protos "$against/third_party/protos"
cat >"$against/buf.yaml" <<'EOF'
version: v2
modules:
  - path: protos
  - path: third_party/protos
EOF
echo "check-api: buf breaking protos against $base ($(git rev-parse --short "$base_commit"))"
"$buf" breaking protos --against "$against/protos"
echo "check-api: the API passes buf lint and buf breaking"
