#!/usr/bin/env bash
# Checks the server's and the matcher's locking with Clang's thread-safety
# analysis: every ABSL_GUARDED_BY / ABSL_EXCLUSIVE_LOCKS_REQUIRED in common/,
# matcher/, services/ and clients/web/ (the console's sessions and connection
# workers) is verified, and any warning (of -Wall -Wextra too) is an error.
# GCC ignores these annotations, so this is the only place they are checked.
#
# Cheap on purpose: a second build tree (build-clang) configured for clang,
# in which only the generated protobuf headers are built (RAA_UNITY_BUILD
# off, so that no file leans on another's includes); then every
# translation unit of those folders, as compile_commands.json lists it, is
# parsed with -fsyntax-only (no code is generated). Usage:
#   scripts/check-thread-safety.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build-clang}"

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build_dir" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=Debug -DRAA_WERROR=ON \
    -DCMAKE_CXX_FLAGS="-Wthread-safety" -DRAA_UNITY_BUILD=OFF >/dev/null
else
  # A tree configured before batches existed would turn them on.
  cmake -S . -B "$build_dir" -DRAA_UNITY_BUILD=OFF >/dev/null
fi

# Generated headers only (the .pb.h files the sources include).
mapfile -t generated < <(cmake --build "$build_dir" --target help 2>/dev/null |
  sed -n 's/^\(.*protos\/gen\/.*\.pb\.h\): .*/\1/p')
if [ ${#generated[@]} -eq 0 ]; then
  # Generators other than Ninja: build the protos library instead.
  cmake --build "$build_dir" -j "$(nproc)" --target raa_protos
else
  cmake --build "$build_dir" -j "$(nproc)" --target "${generated[@]}"
fi

# One command per translation unit of common/, matcher/, services/ and
# clients/web/, with its output replaced by -fsyntax-only.
root="$(pwd)"
python3 - "$build_dir/compile_commands.json" "$root" >"$build_dir/tsa-commands" <<'PY'
import json, shlex, sys
entries = json.load(open(sys.argv[1]))
root = sys.argv[2].rstrip("/") + "/"
for e in entries:
    f = e["file"]
    rel = f[len(root):] if f.startswith(root) else ""
    if not rel.startswith(("common/", "matcher/", "services/", "clients/web/")):
        continue
    args = shlex.split(e["command"])
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a.startswith("-o") and len(a) > 2 or a in ("-c",):
            continue
        out.append(a)
    # ccache as a launcher is not wanted for a syntax check.
    if out and out[0].endswith("ccache"):
        out = out[1:]
    out += ["-fsyntax-only"]
    print("cd " + shlex.quote(e["directory"]) + " && " + " ".join(map(shlex.quote, out)))
PY
count=$(wc -l <"$build_dir/tsa-commands")
# Every folder checked is there file by file (no batch stands for them).
for folder in common/ matcher/ services/ clients/web/; do
  if ! grep -q " [^ ]*/$folder[^ ]*\.cc -fsyntax-only\$" "$build_dir/tsa-commands"; then
    echo "Thread-safety analysis: no file of $folder in $build_dir's compile commands" >&2
    exit 1
  fi
done
echo "Thread-safety analysis over $count translation units"
# xargs exits non-zero if any command fails; all output is kept.
tr '\n' '\0' <"$build_dir/tsa-commands" |
  xargs -0 -P "$(nproc)" -n 1 bash -c
echo "Thread-safety analysis: clean"
