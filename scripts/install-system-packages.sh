#!/usr/bin/env bash
# Install the Debian/Ubuntu packages specscope needs, if any are missing.
#   scripts/install-system-packages.sh run    -> what `make run` needs
#   scripts/install-system-packages.sh test   -> plus PulseAudio, Xvfb and tools for the tests
# Uses apt-get as root, or through sudo when available; otherwise prints what
# to install and fails.
set -euo pipefail
# PortAudio (sounddevice), libsndfile (soundfile), the libraries Qt's xcb
# platform plugin loads, and fonts.
run_pkgs="python3-venv libportaudio2 libsndfile1 libasound2-plugins libegl1 libgl1 libfontconfig1 libdbus-1-3
 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 fonts-dejavu-core"
# The virtual microphone (PulseAudio null sink + pacat), a virtual screen and
# tools to check it (xdpyinfo), ImageMagick to inspect screenshots.
test_pkgs="pulseaudio pulseaudio-utils xvfb x11-utils"

case "${1:-run}" in
    run) want=$run_pkgs ;;
    test) want="$run_pkgs $test_pkgs" ;;
    *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3-venv is only needed when the python3 in use lacks a working venv.
if python3 -c 'import ensurepip, venv' 2>/dev/null; then
    missing=("${missing[@]/python3-venv}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=""
elif command -v sudo >/dev/null 2>&1; then sudo="sudo"
else
    echo "specscope needs these system packages: ${missing[*]} (run as root or install them with apt-get)" >&2
    exit 1
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
