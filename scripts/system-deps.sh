#!/usr/bin/env bash
# The Debian packages Duibiao needs beyond Python and Node, installed when missing.
#
#   scripts/system-deps.sh run    fonts for the site (certificate PDFs); a failure is only a warning
#   scripts/system-deps.sh test   the same plus Chromium for the browser tests; a failure stops `make test`
#
# Nothing is done (and nothing is printed) when everything is present. Installing needs root or sudo.
set -uo pipefail

mode="${1:-}"
case "$mode" in
  run | test) ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

# The certificate font: DUIBIAO_CERTIFICATE_FONT when it names a file, else Debian's WenQuanYi Zen Hei.
wqy_font=/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
noto_font=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

find_missing() {
  missing=()
  if [ -n "${DUIBIAO_CERTIFICATE_FONT:-}" ] && [ -f "$DUIBIAO_CERTIFICATE_FONT" ]; then
    :  # the administrator chose another TrueType CJK font
  elif [ ! -f "$wqy_font" ]; then
    missing+=(fonts-wqy-zenhei)
  fi
  [ -f "$noto_font" ] || missing+=(fonts-noto-cjk)
  if [ "$mode" = test ] && ! command -v chromium >/dev/null 2>&1; then
    missing+=(chromium)
  fi
}

find_missing
[ ${#missing[@]} -eq 0 ] && exit 0

say() { echo "system-deps: $*" >&2; }

give_up() {
  say "could not install: ${missing[*]} ($1)."
  say "install them yourself: apt-get update && apt-get install -y ${missing[*]}"
  if [ "$mode" = test ]; then
    say "make test needs them (certificate tests need the font, browser tests need chromium): stopping."
    exit 1
  fi
  say "WARNING: continuing without them; certificate PDFs are unavailable until the font is installed."
  exit 0
}

if ! command -v apt-get >/dev/null 2>&1; then
  give_up "apt-get not found: this script knows Debian and Ubuntu only"
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
  say "sudo will ask for your password to install system packages."
  as_root=(sudo)
else
  give_up "not root and no usable sudo"
fi

export DEBIAN_FRONTEND=noninteractive
say "missing system packages: ${missing[*]}"
say "running: ${as_root[*]:+${as_root[*]} }apt-get update"
if ! "${as_root[@]}" apt-get update -qq; then
  give_up "apt-get update failed"
fi
say "running: ${as_root[*]:+${as_root[*]} }apt-get install -y ${missing[*]}"
if ! "${as_root[@]}" apt-get install -y -qq "${missing[@]}"; then
  give_up "apt-get install failed"
fi
installed=("${missing[@]}")
find_missing
if [ ${#missing[@]} -ne 0 ]; then
  give_up "still missing after apt-get install"
fi
say "installed: ${installed[*]}"
