#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never a browser a tool downloads itself).
# Installs it when it is missing and this user can (root with apt-get); otherwise says how.
set -u
[ -x /usr/bin/chromium ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing Debian's chromium for the browser tests…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || {
    echo "could not install chromium; the browser tests will fail" >&2
    exit 0
  }
else
  echo "note: /usr/bin/chromium is missing; run 'sudo apt-get install -y chromium' for the browser tests" >&2
fi
