#!/usr/bin/env bash
# Prepares what the GPU machine (no package registry there) needs beyond the working tree:
# the header-only dependencies, copied from this machine's Debian packages into .device/
# (git-ignored, so never committed). Pass `.device` in the device tool's `carry`, then on the
# GPU side run tools/device-test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .device/include
for pkg in nlohmann-json3-dev catch2; do
  dpkg -s "$pkg" >/dev/null 2>&1 || { echo "device-bundle: install $pkg first (scripts/setup.sh)"; exit 1; }
done
cp -r /usr/include/nlohmann .device/include/
cp -r /usr/include/catch2 .device/include/
du -sh .device
