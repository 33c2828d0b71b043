#!/usr/bin/env bash
# Start or stop the services the test suite needs: a private PulseAudio server
# (a null sink as the virtual microphone) and an Xvfb screen for screenshots.
#   scripts/test-services.sh start   -> prints `export ...` lines to eval
#   scripts/test-services.sh stop
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${SPECSCOPE_TEST_STATE:-/tmp/specscope-test-services}
display=${SPECSCOPE_TEST_DISPLAY:-:97}

start() {
    mkdir -p "$state/pulse"
    export PULSE_RUNTIME_PATH="$state/pulse" PULSE_STATE_PATH="$state/pulse" XDG_RUNTIME_DIR="$state"
    if ! pactl info >/dev/null 2>&1; then
        pulseaudio -D -n -F "$here/pulse-test.pa" --exit-idle-time=-1 --log-target=file:"$state/pulse.log" 2>>"$state/pulse.err" \
            || { echo "test-services: pulseaudio failed to start:" >&2; cat "$state/pulse.err" "$state/pulse.log" >&2 || true; exit 1; }
        for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
        pactl info >/dev/null 2>&1 || { echo "test-services: pulseaudio did not answer" >&2; exit 1; }
        touch "$state/pulse.started-here"
    fi
    if ! xdpyinfo -display "$display" >/dev/null 2>&1; then
        Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp >"$state/xvfb.log" 2>&1 &
        echo $! >"$state/xvfb.pid"
        for _ in $(seq 50); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done
    fi
    echo "export PULSE_RUNTIME_PATH=$state/pulse PULSE_STATE_PATH=$state/pulse XDG_RUNTIME_DIR=$state SPECSCOPE_TEST_DISPLAY=$display SPECSCOPE_TEST_SINK=specscope_test"
}

stop() {
    export PULSE_RUNTIME_PATH="$state/pulse" XDG_RUNTIME_DIR="$state"
    # Stop only what `start` launched: a server someone else runs stays up.
    if [ -f "$state/pulse.started-here" ]; then
        pulseaudio --kill >/dev/null 2>&1 || true
        rm -f "$state/pulse.started-here"
    fi
    if [ -f "$state/xvfb.pid" ]; then kill "$(cat "$state/xvfb.pid")" 2>/dev/null || true; rm -f "$state/xvfb.pid"; fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
