#!/usr/bin/env bash
# Runs each cargo-fuzz target of fuzz/ for a few seconds, so that they keep
# building and nothing shallow panics. Usage:
#
#     scripts/fuzz_smoke.sh [SECONDS_PER_TARGET]   (default 10)
#
# Needs cargo-fuzz (installed here if missing) and a nightly toolchain; on a
# stable-only machine it falls back to RUSTC_BOOTSTRAP=1. Targets are built
# without a sanitizer (the crate forbids unsafe code) and with debug
# assertions, so arithmetic overflow is a finding too. The targets: engine,
# calendar, sla_policy, triage, jsonl, webhook_x, webhook_meta,
# webhook_whatsapp (payload parser and signature check of each network)
# and email (the e-mail parser wrapper and the replies built from it).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-10}"
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
toolchain=()
if rustup run nightly rustc --version >/dev/null 2>&1; then
  toolchain=(+nightly)
else
  export RUSTC_BOOTSTRAP=1
fi

targets=$(cargo "${toolchain[@]}" fuzz list)
cargo "${toolchain[@]}" fuzz build -O -a -s none
for target in $targets; do
  echo "== fuzz $target for ${seconds}s"
  mkdir -p "corpus/$target" "artifacts/$target"
  before=$(ls "artifacts/$target" | wc -l)
  # The channel fixtures seed the webhook and e-mail targets (read only:
  # libFuzzer writes new inputs to the first directory).
  seeds=()
  case "$target" in
    webhook_*) seeds=("../tests/fixtures/channels/${target#webhook_}") ;;
    email) seeds=("../tests/fixtures/channels/email") ;;
  esac
  # Inputs that once crashed a target run first, as regression tests.
  if [ -d "regressions/$target" ]; then
    seeds+=("regressions/$target")
  fi
  cargo "${toolchain[@]}" fuzz run -O -a -s none "$target" "corpus/$target" "${seeds[@]}" -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 2>&1 |
    grep -E '^(stat::number_of_executed_units|stat::peak_rss|#[0-9]+ +DONE)|panicked|ERROR' || true
  if [ "$(ls "artifacts/$target" | wc -l)" != "$before" ]; then
    echo "fuzz target $target found a crash: see fuzz/artifacts/$target" >&2
    exit 1
  fi
done
echo "fuzz smoke passed"
