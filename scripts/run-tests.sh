#!/usr/bin/env bash
# Run every check with the test services up: the linter, then the whole pytest
# suite against a real PulseAudio null sink and, for screenshots, Xvfb.
set -uo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/test-services.sh start)" || exit 1
trap 'scripts/test-services.sh stop' EXIT
.venv/bin/ruff check app dsp resources tests benchmarks || exit 1
.venv/bin/python -m pytest "$@"
