#!/usr/bin/env bash
# Test the declared lower bounds: a venv with exactly the minimum version of
# every dependency of pyproject.toml (and of the test extra), specscope
# installed into it, and the tests that need neither PulseAudio nor a screen
# (the numerical core, the file reader, the command line) run there.
#   scripts/check-min-deps.sh [PYTEST ARGS]     (make test-min)
# The venv is kept in .venv-min and rebuilt only when the pins change.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${SPECSCOPE_MIN_VENV:-.venv-min}
python=${PYTHON:-python3}
pins=$("$python" scripts/min_pins.py test)
stamp="$venv/.min-pins"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$pins" ]; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
    # --no-deps on specscope itself: only the pinned versions may be installed.
    # shellcheck disable=SC2086
    "$venv/bin/python" -m pip install -q $pins
    "$venv/bin/python" -m pip install -q --no-deps --no-build-isolation -e .
    printf '%s' "$pins" >"$stamp"
fi
echo "check-min-deps: $(tr '\n' ' ' <"$stamp")"
"$venv/bin/python" -m pip check
if [ $# -eq 0 ]; then
    set -- -q tests/dsp tests/app/io tests/app/model tests/app/cli/test_cli.py tests/test_packaging.py \
        tests/app/gui/test_spectrum_panel.py tests/app/gui/test_spectrogram_view.py
fi
QT_QPA_PLATFORM=offscreen "$venv/bin/python" -m pytest -p no:cacheprovider "$@"
