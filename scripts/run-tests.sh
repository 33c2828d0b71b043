#!/usr/bin/env bash
# Run every check with the test services up: the linter, then the whole pytest
# suite against a real PulseAudio null sink and, for screenshots, Xvfb.
# In a git checkout it then fails if the tests changed, added or removed any
# file git sees (tests write to temporary folders only).  With
# SPECSCOPE_UPDATE_SCREENSHOTS=1 (make screenshots) changes under
# docs/screenshots/ are expected and allowed.
set -uo pipefail
cd "$(dirname "$0")/.."

# What git sees: each changed or untracked path with the hash of its content.
snapshot() {
    git status --porcelain --untracked-files=all | while IFS= read -r line; do
        path=${line:3}
        if [ "${SPECSCOPE_UPDATE_SCREENSHOTS:-0}" = 1 ] && [[ $path == docs/screenshots/* ]]; then continue; fi
        printf '%s %s\n' "$line" "$(git hash-object -- "$path" 2>/dev/null || echo absent)"
    done
}
in_git=0
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then in_git=1; before=$(snapshot); fi

eval "$(scripts/test-services.sh start)" || exit 1
trap 'scripts/test-services.sh stop' EXIT
.venv/bin/ruff check app dsp resources tests benchmarks || exit 1
.venv/bin/python -m pytest "$@"
status=$?

if [ "$in_git" = 1 ]; then
    after=$(snapshot)
    if [ "$before" != "$after" ]; then
        echo "run-tests: the tests changed files in the checkout (tests must write to temporary folders):" >&2
        diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | grep '^[<>]' >&2
        [ "$status" = 0 ] && status=1
    fi
fi
exit "$status"
