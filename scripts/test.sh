#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
# Clang's thread-safety analysis over common/, matcher/ and services/
# (build-clang), then the concurrent tests under AddressSanitizer and
# ThreadSanitizer (build-asan, build-tsan).
scripts/check-thread-safety.sh
scripts/sanitize.sh
