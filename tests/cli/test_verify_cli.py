from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelpact.cli.app import app
from tests.evaluate.conftest import binary_frame

PACT = """\
name: churn
task: binary
positive_class: 1
columns: {target: y, score: p, slices: [region]}
criteria:
  - {metric: roc_auc, at_least: 0.80}
  - {metric: roc_auc, vs_baseline: improve, by: 0.2}
  - {metric: recall, slice: {region: EU}, at_least: 0.6}
data: {min_rows: 100, min_rows_per_slice: 50}
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pact.yaml").write_text(PACT)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("separation", "n", "code", "word"),
    [(2.0, 4000, 0, "SIGNED OFF"), (0.3, 4000, 1, "FAILED"), (1.3, 120, 3, "INCONCLUSIVE")],
)
def test_exit_codes_follow_the_verdict(
    workdir: Path, separation: float, n: int, code: int, word: str
) -> None:
    binary_frame(n, separation=separation, seed=2).to_csv("eval.csv", index=False)
    exit_code, out, _ = run("verify", "eval.csv", "--pact", "pact.yaml")
    assert exit_code == code, out
    assert word in out


def test_writes_json_html_and_markdown(workdir: Path) -> None:
    binary_frame(3000).to_parquet("eval.parquet")
    code, _, err = run(
        "verify",
        "eval.parquet",
        "--json",
        "out/v.json",
        "--html",
        "out/r.html",
        "--markdown",
        "out/v.md",
    )
    assert code == 0
    document = json.loads(Path("out/v.json").read_text())
    assert document["schema"] == "modelpact.verdict/v1" and document["verdict"] == "signed_off"
    page = Path("out/r.html").read_text()
    # plotly.js inlined, nothing fetched: the report works offline
    assert "<script" in page and "<script src=" not in page and '<link rel="stylesheet"' not in page
    assert "roc_auc" in page and "Calibration" in page and "Confusion matrix" in page
    assert "| roc_auc >= 0.8 |" in Path("out/v.md").read_text()
    assert "HTML report: out/r.html" in err


def test_misspelled_column_is_one_line_exit_2(workdir: Path) -> None:
    binary_frame(300).rename(columns={"p": "pp"}).to_csv("eval.csv", index=False)
    code, out, err = run("verify", "eval.csv")
    assert code == 2
    assert err.strip() == "error: eval.csv: no column 'p' (the score); did you mean 'pp'?"
    assert "Traceback" not in out + err


def test_unreadable_file_exit_2_and_nothing_written(workdir: Path) -> None:
    Path("eval.csv").write_bytes(b"\x00\x01\x02garbage")
    code, _, err = run("verify", "eval.csv", "--json", "v.json")
    assert code == 2 and err.startswith("error: eval.csv")
    assert not Path("v.json").exists()


def test_missing_pact_exit_2(workdir: Path) -> None:
    binary_frame(300).to_csv("eval.csv", index=False)
    code, _, err = run("verify", "eval.csv", "--pact", "nope.yaml")
    assert code == 2 and "no such pact file" in err


def test_pact_check_reports_lines(workdir: Path) -> None:
    Path("bad.yaml").write_text(PACT.replace("at_least: 0.80", "at_least: 1.3"))
    code, _, err = run("pact", "check", "bad.yaml")
    assert code == 2
    assert "bad.yaml:6: criteria[0].at_least: 1.3 is impossible for roc_auc" in err
    code, out, _ = run("pact", "check", "pact.yaml")
    assert code == 0 and "ok" in out


def test_pact_check_with_data_finds_missing_columns(workdir: Path) -> None:
    binary_frame(50).drop(columns="region").to_csv("eval.csv", index=False)
    code, _, err = run("pact", "check", "pact.yaml", "--data", "eval.csv")
    assert code == 2 and "no column 'region'" in err


def test_pact_init_writes_a_valid_pact(workdir: Path) -> None:
    binary_frame(200).to_csv("eval.csv", index=False)
    code, _, _ = run(
        "pact", "init", "eval.csv", "--target", "y", "--score", "p", "--out", "new.yaml"
    )
    assert code == 0
    assert run("pact", "check", "new.yaml")[0] == 0
    assert (
        run("pact", "init", "eval.csv", "--target", "y", "--out", "new.yaml")[0] == 2
    )  # no overwrite


def test_pact_schema_prints_json(workdir: Path) -> None:
    code, out, _ = run("pact", "schema")
    assert code == 0 and json.loads(out)["title"].startswith("modelpact pact")


def test_plan_from_expectations_and_pilot(workdir: Path) -> None:
    code, out, _ = run(
        "plan",
        "--expect",
        "roc_auc=0.86",
        "--prevalence",
        "0.5",
        "--available",
        "100",
        "--json",
        "plan.json",
    )
    assert code == 1  # the roc_auc criterion needs more than 100 rows
    document = json.loads(Path("plan.json").read_text())
    assert document["schema"] == "modelpact.plan/v1"
    assert document["criteria"][0]["decidable"] is False
    binary_frame(400).to_csv("pilot.csv", index=False)
    code, out, _ = run("plan", "--pilot", "pilot.csv", "--available", "10000000")
    assert code == 0 and "pilot" in out


def test_plan_rejects_malformed_expectation(workdir: Path) -> None:
    code, _, err = run("plan", "--expect", "roc_auc")
    assert code == 2 and "METRIC=VALUE" in err


def test_help_teaches() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "verify" in out and "Exit codes" in out
    code, out, _ = run("verify", "--help")
    assert code == 0 and "inconclusive" in out


def test_register_stores_the_verdict_and_candidate(workdir: Path) -> None:
    import joblib
    from sklearn.linear_model import LogisticRegression

    from modelpact.ledger import open_store

    frame = binary_frame(3000, separation=2.0)
    model = LogisticRegression().fit(frame[["p"]], frame["y"])
    joblib.dump(model, "model.joblib")
    frame.to_csv("eval.csv", index=False)
    code, _, err = run("verify", "eval.csv", "--model", "model.joblib", "--register")
    assert code in (0, 1, 3), err
    assert "registered model version churn:1 (candidate)" in err
    with open_store(root=workdir / ".modelpact", create=False) as store:
        (version,) = store.list_model_versions("churn")
        verdicts = store.list_verdicts("churn")
    assert version.stage == "candidate"
    assert len(verdicts) == 1 and verdicts[0].model_version_id == version.id


def test_cli_start_up_loads_neither_ledger_nor_statistics() -> None:
    """`modelpact --help` and `pact check` must start at once (no SQLAlchemy, SciPy, pandas)."""
    import subprocess
    import sys

    code = (
        "import sys; from modelpact.cli.app import app; "
        "from modelpact.pact import check_pact; "
        "check_pact('name: t\\ntask: binary\\npositive_class: 1\\ncolumns: {target: y}\\n"
        "criteria: [{metric: accuracy, at_least: 0.8}]\\n', source='p.yaml'); "
        "heavy = [m for m in ('sqlalchemy', 'alembic', 'scipy', 'plotly', 'sklearn', "
        "'pandas', 'modelpact.ledger', 'modelpact.evaluate') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_models_command_spells_the_ledger_stages() -> None:
    from modelpact.cli.models import STAGES
    from modelpact.ledger import STAGES as LEDGER_STAGES

    assert STAGES == LEDGER_STAGES
