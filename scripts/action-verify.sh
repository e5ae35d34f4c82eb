#!/usr/bin/env bash
# The step behind action.yml: install modelpact, run `modelpact verify`, and end with verify's
# exit code, so the job passes only when the candidate is signed off (0); 1 failed,
# 3 inconclusive, 2 usage or input error. verify itself appends its Markdown summary to
# $GITHUB_STEP_SUMMARY; this script adds the verdict and report paths to $GITHUB_OUTPUT.
#
# Inputs come as environment variables (action.yml maps the action's inputs onto them):
#   MODELPACT_DATA        evaluation rows: CSV/Parquet path or runs:/<run_id>/<path> (required)
#   MODELPACT_PACT        the pact file (default pact.yaml)
#   MODELPACT_MODEL       optional model: a file or models:/NAME/VERSION
#   MODELPACT_ARGS        further verify arguments, split on whitespace
#   MODELPACT_PACKAGE     what pip installs (empty: use the modelpact already on PATH)
#   MODELPACT_PYTHON      the Python whose pip installs it (default python3)
#   MODELPACT_OUTPUT_DIR  where the reports go (default $RUNNER_TEMP/modelpact)
set -uo pipefail

data="${MODELPACT_DATA:-}"
if [ -z "$data" ]; then
  echo "error: the action's 'data' input (MODELPACT_DATA) is empty; name the evaluation rows" >&2
  exit 2
fi
pact="${MODELPACT_PACT:-pact.yaml}"
python="${MODELPACT_PYTHON:-python3}"
out_dir="${MODELPACT_OUTPUT_DIR:-${RUNNER_TEMP:-/tmp}/modelpact}"

if [ -n "${MODELPACT_PACKAGE:-}" ]; then
  # shellcheck disable=SC2086  # a package list such as "modelpact[mlflow]==0.1.0 extra" splits
  if ! "$python" -m pip install --disable-pip-version-check --quiet ${MODELPACT_PACKAGE}; then
    echo "error: pip could not install ${MODELPACT_PACKAGE}" >&2
    exit 2
  fi
fi

mkdir -p "$out_dir"
args=(verify "$data" --pact "$pact"
      --json "$out_dir/verdict.json" --markdown "$out_dir/verdict.md" --html "$out_dir/verdict.html")
if [ -n "${MODELPACT_MODEL:-}" ]; then
  args+=(--model "$MODELPACT_MODEL")
fi
read -r -a extra <<< "${MODELPACT_ARGS:-}"

modelpact "${args[@]}" "${extra[@]}"
code=$?

case "$code" in
  0) verdict=signed_off ;;
  1) verdict=failed ;;
  3) verdict=inconclusive ;;
  *) verdict=error ;;
esac
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "verdict=$verdict"
    echo "exit-code=$code"
    echo "json=$out_dir/verdict.json"
    echo "markdown=$out_dir/verdict.md"
    echo "html=$out_dir/verdict.html"
  } >> "$GITHUB_OUTPUT"
fi
exit "$code"
