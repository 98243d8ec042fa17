#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Every folder includes only folders below it (docs/architecture.md).
scripts/check-layers.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
