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

step "5. Compare the two candidates on the same rows: is the difference real?" \
  modelpact compare logreg=pred_logreg.csv forest=pred_forest.csv --pact pact.yaml --html compare.html --json compare.json
modelpact compare logreg=pred_logreg.csv forest=pred_forest.csv --pact pact.yaml \
  --html compare.html --json compare.json

step "6. Behaviour diff: the same code retrained on changed data" \
  modelpact diff model_logreg.joblib model_logreg_v2.joblib --data eval.csv --pact pact.yaml --train-a train.csv --train-b train_v2.csv --html diff.html
modelpact diff model_logreg.joblib model_logreg_v2.joblib --data eval.csv --pact pact.yaml \
  --train-a train.csv --train-b train_v2.csv --html diff.html --json diff.json

printf '\nReports in %s: verify.html, compare.html, diff.html (open in a browser), and JSON/Markdown beside them\n' "$(pwd)"
