#!/usr/bin/env bash
# Installs what the browser end-to-end tests need; safe to run any number of times.
#  - Chromium from Debian (/usr/bin/chromium); apt is skipped when it is already there.
#    Playwright never downloads a browser: only playwright-core is used.
#  - the pinned npm packages of this folder (npm ci, from package-lock.json).
set -euo pipefail
cd "$(dirname "$0")"

if [ -x /usr/bin/chromium ]; then
  echo "chromium: already installed ($(/usr/bin/chromium --version 2>/dev/null || echo '?'))"
else
  echo "chromium: installing from Debian"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
  [ -x /usr/bin/chromium ] || { echo "chromium: /usr/bin/chromium still missing after apt-get install" >&2; exit 1; }
fi

echo "npm: installing the pinned packages of tests/browser"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
