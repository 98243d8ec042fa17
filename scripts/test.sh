#!/usr/bin/env bash
# Installs what is missing, builds, checks the API with buf (lint, and
# breaking changes against the previous commit: scripts/check-api.sh) and
# runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Every folder includes only folders below it (docs/architecture.md).
scripts/check-layers.sh
scripts/build.sh
scripts/check-api.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
# Clang's thread-safety analysis over common/, matcher/ and services/
# (build-clang), then the concurrent tests under AddressSanitizer and
# ThreadSanitizer (build-asan, build-tsan).
scripts/check-thread-safety.sh
scripts/sanitize.sh
