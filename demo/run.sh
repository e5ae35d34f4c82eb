#!/usr/bin/env bash
# The end-to-end demo: a model's life from pact to sign-off, on scikit-learn's built-in
# breast-cancer data. Everything lands in demo-output/ (the ledger in demo-output/.modelpact/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${DEMO_OUTPUT:-demo-output}"
mkdir -p "$out"
cd "$out"

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; }
# Commands that decide exit 1 (failed) or 3 (inconclusive): expected outcomes in a demo.
decide() { set +e; "$@"; code=$?; set -e; [ "$code" -le 3 ] && [ "$code" -ne 2 ] || exit "$code"; echo "(exit code $code)"; }

step "1. Train two candidate models on built-in data" python "$here/prepare.py" .
python "$here/prepare.py" .

step "2. Check the pact the team agreed on" modelpact pact check pact.yaml --data eval.csv
modelpact pact check pact.yaml --data eval.csv

step "3. Plan: how many evaluation rows does a conclusive verdict need?" \
  modelpact plan --pact pact.yaml --pilot eval.csv --available 285
decide modelpact plan --pact pact.yaml --pilot eval.csv --available 285

step "4. Verify the candidate against the pact" \
  modelpact verify eval.csv --pact pact.yaml --train train.csv --html verify.html --json verdict.json --markdown verdict.md
decide modelpact verify eval.csv --pact pact.yaml --train train.csv \
  --html verify.html --json verdict.json --markdown verdict.md

printf '\nReports: %s/verify.html (open in a browser), verdict.json, verdict.md\n' "$(pwd)"
