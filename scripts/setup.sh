# Shared set-up for scripts/run and scripts/test: system packages, then the project's .venv.
# Sourced, not executed. Idempotent: a second run installs nothing and takes about a second.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

# What the app needs at run time (Tesseract for OCR, PortAudio for the microphone, Qt's xcb platform).
RUN_PACKAGES=(tesseract-ocr tesseract-ocr-eng libportaudio2 libsndfile1
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libegl1 libgl1
    libfontconfig1 libdbus-1-3 fonts-dejavu-core)
# What the integration tests add: a virtual screen, a virtual sound card, speech synthesis.
TEST_PACKAGES=(xvfb pulseaudio pulseaudio-utils libasound2-plugins espeak-ng sox binutils)

say() { printf '\033[1mmockcoach:\033[0m %s\n' "$*" >&2; }

ensure_system_packages() {
    local missing=() pkg
    if ! command -v apt-get >/dev/null 2>&1; then
        say "this machine has no apt-get, so mockcoach cannot install system packages for you."
        say "Install these (or your system's equivalents), then run this command again:"
        say "  Debian/Ubuntu names: $*"
        say "  macOS:   brew install tesseract portaudio"
        say "  Windows: winget install UB-Mannheim.TesseractOCR"
        return 1
    fi
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { say "need root to install: ${missing[*]} (no sudo found)"; return 1; }
        sudo=(sudo)
    fi
    say "installing system packages: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_python() {
    PYTHON="${PYTHON:-python3}"
    command -v "$PYTHON" >/dev/null 2>&1 || { say "python3 not found: install Python 3.10 or newer"; return 1; }
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || { say "mockcoach needs Python 3.10 or newer; $PYTHON is $("$PYTHON" -V 2>&1)"; return 1; }
    # Debian splits venv/ensurepip out of the interpreter.
    "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || ensure_system_packages python3-venv
}

# ensure_venv EXTRAS: create or reuse .venv and install the project (editable) with EXTRAS, e.g. "test,build".
ensure_venv() {
    local extras="$1" stamp
    ensure_python
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    stamp="$VENV/.mockcoach-installed-${extras:-base}"
    if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
        say "installing mockcoach${extras:+[$extras]} into $VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip
        "$VENV/bin/python" -m pip install -q -e "$ROOT${extras:+[$extras]}"
        touch "$stamp"
    fi
}
