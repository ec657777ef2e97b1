# Shared set-up for scripts/run and scripts/test: system packages, then the project's .venv.
# Sourced, not executed. Idempotent: a second run installs nothing and takes about a second.
#
# Environment: MOCKCOACH_VENV (default <checkout>/.venv), PYTHON (default python3) to create it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MOCKCOACH_VENV:-$ROOT/.venv}"

# What the app needs at run time (Tesseract for OCR, PortAudio for the microphone, Qt's xcb platform).
RUN_PACKAGES=(tesseract-ocr tesseract-ocr-eng libportaudio2 libsndfile1
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libegl1 libgl1
    libfontconfig1 libdbus-1-3 fonts-dejavu-core)
# What the integration tests add: a virtual screen, a virtual sound card, speech synthesis.
TEST_PACKAGES=(xvfb pulseaudio pulseaudio-utils libasound2-plugins espeak-ng sox binutils
    fonts-comic-neue fonts-dkg-handwriting fonts-breip fonts-bwht fonts-liberation2)  # fonts: diagram renders

say() { printf '\033[1mmockcoach:\033[0m %s\n' "$*" >&2; }

# missing_packages PKG...: print the Debian packages among PKG that are not installed.
missing_packages() {
    local installed
    # One dpkg-query for all packages (fast on a second run); unknown names print nothing.
    # dpkg-query exits 1 when any name is unknown: that is an answer here, not an error.
    installed="$( (dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null || true) \
        | awk '/ install ok installed$/ {print $1}')"
    local pkg
    for pkg in "$@"; do
        grep -qxF -- "$pkg" <<<"$installed" || printf '%s\n' "$pkg"
    done
}

ensure_system_packages() {
    if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
        say "this machine has no apt-get, so mockcoach cannot install system packages for you."
        say "Install these (or your system's equivalents), then run this command again:"
        say "  Debian/Ubuntu names: $*"
        say "  Fedora:  sudo dnf install tesseract portaudio libsndfile xcb-util-cursor"
        say "  macOS:   brew install tesseract portaudio"
        say "  Windows: winget install UB-Mannheim.TesseractOCR"
        say "Set MOCKCOACH_SKIP_SYSTEM_PACKAGES=1 to skip this step once they are installed."
        [ "${MOCKCOACH_SKIP_SYSTEM_PACKAGES:-0}" = 1 ] && return 0
        return 1
    fi
    local missing=()
    mapfile -t missing < <(missing_packages "$@")
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            say "need root to install these system packages, and sudo is not installed:"
            say "  su -c 'apt-get install ${missing[*]}'"
            return 1
        fi
        sudo=(sudo)
    fi
    say "installing system packages: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        || { say "apt-get update failed (see above)"; return 1; }
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || { say "could not install: ${missing[*]} (see apt-get's message above)"; return 1; }
}

ensure_python() {
    PYTHON="${PYTHON:-python3}"
    command -v "$PYTHON" >/dev/null 2>&1 || { say "python3 not found: install Python 3.10 or newer"; return 1; }
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || { say "mockcoach needs Python 3.10 or newer; $PYTHON is $("$PYTHON" -V 2>&1)"; return 1; }
    # Debian splits venv/ensurepip out of the interpreter.
    if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
        local minor
        minor="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        ensure_system_packages "python$minor-venv" || return 1
    fi
}

# install_is_current STAMP EXTRAS: the project is installed with EXTRAS since pyproject.toml last
# changed. Any install covers the base one (extras only add packages).
install_is_current() {
    local stamp="$1" extras="$2" other
    [ -f "$stamp" ] && ! [ "$ROOT/pyproject.toml" -nt "$stamp" ] && return 0
    [ -n "$extras" ] && return 1
    for other in "$VENV"/.mockcoach-installed-*; do
        [ -f "$other" ] && ! [ "$ROOT/pyproject.toml" -nt "$other" ] && return 0
    done
    return 1
}

# ensure_venv EXTRAS: create or reuse .venv and install the project (editable) with EXTRAS, e.g. "test,build".
ensure_venv() {
    local extras="$1" stamp
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c '' 2>/dev/null; then
        ensure_python || return 1
        say "creating $VENV"
        "$PYTHON" -m venv --clear "$VENV" || { say "could not create $VENV"; return 1; }
    fi
    stamp="$VENV/.mockcoach-installed-${extras:-base}"
    if ! install_is_current "$stamp" "$extras"; then
        say "installing mockcoach${extras:+[$extras]} into $VENV (a few minutes the first time)"
        "$VENV/bin/python" -m pip install -q --upgrade pip \
            && "$VENV/bin/python" -m pip install -q -e "$ROOT${extras:+[$extras]}" \
            || { say "pip install failed (see above); is PyPI reachable?"; return 1; }
        touch "$stamp"
    fi
}

# run_pytest ARGS...: pytest, with "no tests collected" (exit 5) reported as the failure it is.
run_pytest() {
    local rc=0
    "$VENV/bin/pytest" "$@" || rc=$?
    if [ "$rc" -eq 5 ]; then
        say "pytest collected no tests: that is a failure, not a pass"
        return 1
    fi
    return "$rc"
}
