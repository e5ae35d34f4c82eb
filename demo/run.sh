#!/usr/bin/env bash
# The end-to-end demo: a model's life from pact to sign-off and production, on scikit-learn's
# built-in breast-cancer data. Everything lands in demo-output/ (the ledger, an embedded SQLite
# store, in demo-output/.modelpact/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${DEMO_OUTPUT:-demo-output}"
rm -rf "$out"
mkdir -p "$out"
cd "$out"

step() { printf '\n\033[1m== %s\033[0m\n' "$1"; }
show() { printf '$ %s\n' "$*"; }
# Deciding commands exit 1 (failed / no-go / alert) or 3 (inconclusive): outcomes, not errors.
decide() { show "$@"; set +e; "$@"; code=$?; set -e; echo "(exit code $code)"; [ "$code" -ne 2 ] || exit 2; }
run() { show "$@"; "$@"; }

step "1. Data: scikit-learn's breast-cancer set, split, plus later production rows"
run python "$here/prepare.py" .

step "2. The pact the team agreed on before any experiment"
run modelpact pact check pact.yaml

step "3. Feasibility: is this data fit to learn from, and can it meet the pact?"
decide modelpact audit train.csv --target malignant --test eval.csv --id patient_id \
  --pact pact.yaml --html audit.html --json audit.json --register --quiet

step "4. Plan: with the values we hope for, how many evaluation rows decide each criterion?"
decide modelpact plan --pact pact.yaml --expect roc_auc=0.98 --expect recall=0.94 \
  --expect specificity=0.97 --prevalence 0.37 --available 285

step "5. Experiments: three runs in the ledger, each tied to its data and verdict"
run python "$here/experiments.py"
run modelpact runs list

step "6. Sign-off: verify the logistic regression against the pact"
decide modelpact verify eval.csv --pact pact.yaml --train train.csv \
  --html verify.html --json verdict.json --markdown verdict.md

step "7. Is the forest really different from the logistic regression? (paired, same rows)"
run modelpact compare model:tumour-screening:1 model:tumour-screening:2 --pact pact.yaml \
  --html compare.html --json compare.json --register

step "8. Behaviour diff: the same code retrained on a changed data snapshot"
run modelpact diff model:tumour-screening:1 model:tumour-screening:3 --data eval.csv \
  --pact pact.yaml --html diff.html --json diff.json --register

step "9. Promotion is gated on a signed-off verdict: refused for version 1, granted for version 2"
show modelpact models promote tumour-screening:1 --to champion
set +e; modelpact models promote tumour-screening:1 --to champion; echo "(exit code $?: refused)"; set -e
run modelpact models promote tumour-screening:2 --to champion
run modelpact status

step "10. Production: drift, performance estimated before labels arrive, and measured when they do"
decide modelpact monitor --pact pact.yaml --reference reference.csv --analysis production.csv \
  --labels labels.csv --html monitor.html --json monitor.json --markdown monitor.md \
  --register --project tumour-screening --model screening

step "11. The loop closes: drift alerts trigger a retraining on the labelled rows so far"
run python "$here/window.py"
decide env PYTHONPATH="$here" modelpact retrain --project tumour-screening --data window.csv \
  --monitor monitor.json --json retrain.json
run modelpact models list --project tumour-screening

step "12. Monitoring goes on: the new champion on the traffic after its holdout"
run python "$here/rescore.py"
decide modelpact monitor --pact pact.yaml --reference reference_champion.csv \
  --analysis production_champion.csv --html monitor-champion.html \
  --json monitor-champion.json --register --project tumour-screening --model screening

step "13. Online learning: a learner that learns every label, gated every 1,000 rows"
run python "$here/online.py"
run modelpact models list --project sensor-stream
run modelpact status

printf '\nReports in %s: audit.html, verify.html, compare.html, diff.html,\n' "$(pwd)"
printf 'monitor.html, monitor-champion.html (open in a browser); JSON and Markdown beside them.\n'
printf '\nThe dashboard over this ledger:\n'
printf '  cd %s && modelpact keys create --project tumour-screening\n' "$(pwd)"
printf '  modelpact serve    # then open http://127.0.0.1:8000/ and log in with the key\n'
