#!/usr/bin/env bash
# Prepares what the GPU machine (no package registry, no ../shared beside the tree) needs
# beyond the working tree, in .device/ (git-ignored, so never committed):
#   include/   header-only dependencies copied from this machine's Debian packages
#   shared/    ../shared/fixtures and ../shared/bench (the PyTorch fixtures and peer; no faces)
#   COMMIT     the commit being measured (the tree travels without .git)
# Pass `.device` in the device tool's `carry`, then on the GPU side run tools/device-test.sh
# and/or tools/bench-vs-torch.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .device
mkdir -p .device/include .device/shared
for pkg in nlohmann-json3-dev catch2; do
  dpkg -s "$pkg" >/dev/null 2>&1 || { echo "device-bundle: install $pkg first (scripts/setup.sh)"; exit 1; }
done
cp -r /usr/include/nlohmann .device/include/
cp -r /usr/include/catch2 .device/include/
SHARED=${KDFACE_SHARED:-../shared}
for d in fixtures bench; do
  [ -d "$SHARED/$d" ] || { echo "device-bundle: $SHARED/$d not found (set KDFACE_SHARED)"; exit 1; }
  cp -r "$SHARED/$d" .device/shared/
done
git describe --always --dirty=+dirty --abbrev=10 > .device/COMMIT
du -sh .device
