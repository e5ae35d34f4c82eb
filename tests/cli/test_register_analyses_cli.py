"""``compare --register`` and ``diff --register``: the v1 document lands in the ledger with the
reports, or nothing is written at all."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.errors import StoreError
from modelpact.ledger import Store, open_store, pact_hash
from modelpact.pact import load_pact

PACT = """\
name: churn
task: binary
positive_class: 1
columns: {target: y, score: p, id: pid, slices: [region]}
criteria:
  - {metric: roc_auc, at_least: 0.6}
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    rng = np.random.default_rng(0)
    n = 500
    x = rng.normal(size=n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-2 * x))).astype(int)
    data = pd.DataFrame({"pid": np.arange(n), "x": x, "region": rng.choice(["EU", "US"], n),
                         "y": y})
    data.to_csv(tmp_path / "eval.csv", index=False)
    for name, noise in (("a", 1.0), ("b", 0.2)):
        p = 1 / (1 + np.exp(-2 * x + rng.normal(0, noise, n)))
        data[["pid", "y"]].assign(p=p).to_csv(tmp_path / f"{name}.csv", index=False)
    (tmp_path / "pact.yaml").write_text(PACT)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    return tmp_path


COMPARE = ("compare", "a.csv", "b.csv", "--pact", "pact.yaml", "--resamples", "300")
DIFF = ("diff", "a.csv", "b.csv", "--data", "eval.csv", "--pact", "pact.yaml", "--resamples",
        "300")


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stderr


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _ledger(root: Path) -> Store:
    return open_store(root=root / ".modelpact", create=False)


def test_compare_register_stores_the_document_it_wrote(workdir: Path) -> None:
    code, err = _invoke(*COMPARE, "--json", "c.json", "--register")
    assert code == 0, err
    assert "registered comparison" in err and "of project churn" in err
    written = json.loads((workdir / "c.json").read_text())
    with _ledger(workdir) as store:
        (stored,) = store.list_analyses("churn")
    assert stored.kind == "comparison" and stored.title == "compare: b, a"
    assert stored.body == written  # the very document of --json, not a re-computation
    assert stored.pact_hash == pact_hash(load_pact(workdir / "pact.yaml"))
    auc = written["metrics"][0]
    tied = len(auc["indistinguishable_from_best"]) > 1
    assert stored.outcome == ("inconclusive" if tied else "pass")


def test_diff_register_under_a_named_project(workdir: Path) -> None:
    code, err = _invoke(*DIFF, "--json", "d.json", "--register", "--project", "churn-eu")
    assert code == 0, err
    written = json.loads((workdir / "d.json").read_text())
    with _ledger(workdir) as store:
        (stored,) = store.list_analyses("churn-eu", kind="diff")
    assert stored.body == written and stored.title == "diff: a → b"
    assert stored.outcome == ("at_risk" if written["disagreement"]["count"] else "pass")


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("compare", "a.csv", "b.csv", "--target", "y", "--score", "p", "--id", "pid",
          "--register", "--html", "c.html"), "--register needs --project"),
        ((*COMPARE, "--html", "c.html", "--register", "--project", "a/b"), "a/b"),
        ((*DIFF, "--html", "d.html", "--register", "--project", "x/../y"), "x/../y"),
        ((*DIFF, "--html", "d.html", "--register", "--store", "nope"), "nope"),
    ],
    ids=["compare-without-project", "compare-bad-project", "diff-bad-project",
         "diff-bad-store"],
)
def test_bad_registration_exits_2_before_any_work(workdir: Path, args: tuple[str, ...],
                                                  names: str) -> None:
    before = _files(workdir)
    code, err = _invoke(*args)
    assert code == 2 and err.startswith("error: ") and names in err
    assert len(err.strip().splitlines()) == 1
    assert _files(workdir) == before


def test_a_refused_registration_discards_the_reports(workdir: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Store, **_: object) -> None:
        raise StoreError("the ledger refused the write")

    monkeypatch.setattr(Store, "record_analysis", refuse)
    for args in ((*COMPARE, "--html", "c.html", "--json", "c.json"),
                 (*DIFF, "--html", "d.html", "--json", "d.json")):
        code, err = _invoke(*args, "--register")
        assert code == 2 and "the ledger refused the write" in err
    assert not any(workdir.glob("*.html")) and not any(workdir.glob("*.json"))
