#!/usr/bin/env bash
# Renders the simulated week's HTML report to a PNG with headless Chromium,
# so a person (or a review tool) can look at the charts.
#   scripts/render_report.sh [REPORT_HTML] [OUT_PNG]
# Installs Debian's chromium when it is missing (needs root and apt).
set -euo pipefail
cd "$(dirname "$0")/.."
report=${1:-target/caredesk-report/index.html}
out=${2:-target/caredesk-report/report.png}
if [ ! -f "$report" ]; then
  cargo run --release --example klm_week -- --out "$report" > /dev/null
fi
if ! command -v chromium > /dev/null 2>&1; then
  apt-get install -y chromium > /dev/null
fi
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run \
  --user-data-dir="$(mktemp -d)" --window-size=1280,2600 \
  --screenshot="$out" "file://$(realpath "$report")" 2> /dev/null
echo "$out"
