#!/usr/bin/env bash
# Set up everything Vigie needs on this machine: a virtualenv with the pinned packages and a
# Chromium (Playwright's own if usable, else the system's; installs one if there is none).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.vigie-installed
want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  echo "$want" > "$stamp"
fi

if .venv/bin/python -m crawler.browser >/dev/null 2>&1; then
  exit 0
fi
if [ -n "${VIGIE_BROWSER_PATH:-}" ]; then
  echo "VIGIE_BROWSER_PATH=$VIGIE_BROWSER_PATH is not usable" >&2
  exit 1
fi
echo "no usable Chromium found: installing one" >&2
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  # Debian's chromium: Playwright's own download is not reachable everywhere.
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  .venv/bin/playwright install chromium
fi
.venv/bin/python -m crawler.browser
