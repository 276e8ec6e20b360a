# Sourced by the GPU-side scripts: puts the carried .device/ where the build and tests look.
# ../shared: the tests read fixtures at <repo>/../shared; link the carried copy there.
if [ ! -e ../shared ] && [ -d .device/shared ]; then ln -s "$PWD/.device/shared" ../shared; fi
export CPATH="$PWD/.device/include${CPATH:+:$CPATH}"
if [ -f .device/COMMIT ]; then export KDFACE_COMMIT="$(cat .device/COMMIT)"; fi
export OUT="${OUT:-/tmp/kdface-out}"
mkdir -p "$OUT"
