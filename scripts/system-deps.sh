#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the app (and, with "test", the test suite) needs.
# Installs only what is missing; without root rights it prints the exact command instead.
set -euo pipefail
purpose="${1:-run}"

# WeasyPrint: Pango, HarfBuzz subsetting (4-6x faster PDFs) and the fonts the PDFs name.
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
if [ "$purpose" = "test" ]; then
  # A real PostgreSQL server, a real browser, and PDF tools for the tests.
  packages+=(postgresql chromium poppler-utils)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  $cmd
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive $cmd
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them once with:  sudo apt-get update && sudo $cmd" >&2
  exit 1
fi
