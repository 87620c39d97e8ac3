#!/usr/bin/env bash
# Debian's chromium for the browser test of the review page (tests/serve/test_browser.py), driven
# by Playwright's Python API with executable_path=/usr/bin/chromium (`playwright install` needs
# a download, which CI machines may not have). Fonts with CJK glyphs so Chinese reports render.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    echo "chromium already installed: $(chromium --version 2>/dev/null || true)"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
echo "installed $(chromium --version 2>/dev/null || echo chromium)"
