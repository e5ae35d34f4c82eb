"""Bad input, tried as a new user would: every case exits 2 with one line, writes nothing.

Each case runs in a fresh copy of a small project (evaluation and training files, a pact,
model files, a ledger with one run and one model version). The promise checked for every
case: exit code 2; stderr is one line, ``error: ...``, naming the file, column or name at
fault; no traceback; and afterwards the project holds exactly the files it held before,
byte for byte.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.ledger import open_store

PACT = """\
name: churn
task: binary
positive_class: 1
columns: {target: y, score: p, id: pid, slices: [region]}
criteria:
  - {metric: roc_auc, at_least: 0.6}
data: {min_rows: 50}
"""

PREDICTION_PACT = """\
name: churn
task: binary
positive_class: 1
columns: {target: y, prediction: yhat, id: pid}
criteria:
  - {metric: accuracy, at_least: 0.6}
"""


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x1 = rng.normal(1.2 * y, 1.0)
    x2 = rng.normal(0, 1.0, n)
    p = 1 / (1 + np.exp(-(1.2 * x1 - 0.7)))
    return pd.DataFrame(
        {
            "pid": np.arange(n),
            "x1": x1,
            "x2": x2,
            "y": y,
            "p": p,
            "yhat": (p >= 0.5).astype(int),
            "region": rng.choice(["EU", "US"], n),
        }
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project every case starts from (built once, copied per case)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    root = tmp_path_factory.mktemp("project")
    evaluation, train = _frame(400, 1), _frame(400, 2)
    evaluation.to_csv(root / "eval.csv", index=False)
    train.to_csv(root / "train.csv", index=False)
    (root / "pact.yaml").write_text(PACT)
    (root / "pred_pact.yaml").write_text(PREDICTION_PACT)
    model = LogisticRegression().fit(train[["x1", "x2"]], train["y"])
    joblib.dump(model, root / "model.joblib")
    import skops.io as sio

    tree = DecisionTreeClassifier(max_depth=3).fit(train[["x1", "x2"]], train["y"])
    sio.dump(tree, root / "tree.skops")
    (root / "notes.txt").write_text("remember to retrain on Mondays\n")
    (root / "garbage.joblib").write_bytes(bytes(range(256)) * 4)
    (root / "corrupt.db").write_text("this was a ledger once\n")
    (root / "latin.yaml").write_bytes(PACT.replace("churn", "résiliation").encode("latin-1"))
    (root / "outdir").mkdir()
    (root / "existing.json").write_text('{"keep": true}\n')
    with open_store(root=root / ".modelpact") as store:
        from modelpact.pact import load_pact

        store.ensure_project("churn", load_pact(root / "pact.yaml"))
        run = store.create_run("churn")
        store.finish_run(run.id)
        store.register_model(
            project="churn", run_id=run.id, artifact_path=root / "model.joblib", name="logreg"
        )
    return root


def _snapshot(root: Path) -> dict[str, str]:
    files = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        files[key] = (
            "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
        )
    return files


@contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """Make *path* (recursively) refuse new files, for the account running the tests.

    Permission bits do not bind an administrator, so as root the immutable attribute is used.
    """
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: cannot make a directory read-only")
        made = subprocess.run(["chattr", "-R", "+i", str(path)], capture_output=True)
        if made.returncode != 0:
            pytest.skip(f"cannot make {path} immutable here: {made.stderr.decode().strip()}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-R", "-i", str(path)], check=True)
        return
    modes = {p: p.stat().st_mode for p in [path, *path.rglob("*")]}
    for p in modes:
        p.chmod(modes[p] & ~0o222)
    try:
        yield
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    names: str  # the file, column or name the one-line message must mention
    prepare: Callable[[Path], None] | None = None
    read_only: str | None = None  # a path made read-only while the command runs
    also: tuple[str, ...] = field(default=())  # more words the message must hold


def _duplicate_ids(root: Path) -> None:
    frame = pd.read_csv(root / "eval.csv")
    pd.concat([frame, frame.head(1)]).to_csv(root / "dups.csv", index=False)


def _without_id(root: Path) -> None:
    pd.read_csv(root / "eval.csv").drop(columns="pid").to_csv(root / "noid.csv", index=False)


def _infinite_score(root: Path) -> None:
    frame = pd.read_csv(root / "eval.csv")
    frame.loc[3, "p"] = np.inf
    frame.to_csv(root / "inf.csv", index=False)


def _label_seven(root: Path) -> None:
    frame = pd.read_csv(root / "eval.csv")
    frame.loc[5, "yhat"] = 7
    frame.to_csv(root / "seven.csv", index=False)


def _text_score(root: Path) -> None:
    frame = pd.read_csv(root / "eval.csv")
    frame["p"] = frame["p"].astype(object)
    frame.loc[2, "p"] = "high"
    frame.to_csv(root / "text_score.csv", index=False)


def _header_only(root: Path) -> None:
    (root / "empty.csv").write_text("pid,y,p,region\n")


def _toml_with_bad_url(root: Path) -> None:
    (root / "modelpact.toml").write_text('[store]\nurl = "not a url"\n')


VERIFY = ("verify", "eval.csv", "--pact", "pact.yaml")
REGISTER = (*VERIFY, "--html", "r.html", "--register")

CASES = [
    # -- outputs that cannot be written, decided before anything is written
    Case("html-is-a-directory", (*VERIFY, "--html", "outdir"), "outdir", also=("directory",)),
    Case(
        "json-parent-cannot-be-created",
        (*VERIFY, "--html", "r.html", "--json", "/proc/nope/r.json"),
        "/proc/nope/r.json",
    ),
    Case(
        "html-in-read-only-directory",
        (*VERIFY, "--html", "locked/r.html"),
        "locked/r.html",
        prepare=lambda root: (root / "locked").mkdir(),
        read_only="locked",
    ),
    Case(
        "pact-init-out-in-read-only-directory",
        ("pact", "init", "eval.csv", "--target", "y", "--out", "locked/pact.yaml"),
        "locked/pact.yaml",
        prepare=lambda root: (root / "locked").mkdir(),
        read_only="locked",
    ),
    Case(
        "pact-init-out-is-a-directory",
        ("pact", "init", "eval.csv", "--target", "y", "--out", "outdir"),
        "outdir",
    ),
    Case(
        "json-and-html-name-one-file",
        (*VERIFY, "--html", "same.out", "--json", "same.out"),
        "same.out",
    ),
    Case("parent-is-a-file", (*VERIFY, "--json", "eval.csv/r.json"), "eval.csv"),
    Case("plan-json-is-a-directory", ("plan", "--pact", "pact.yaml", "--json", "outdir"), "outdir"),
    Case(
        "plan-markdown-parent-cannot-be-created",
        ("plan", "--pact", "pact.yaml", "--expect", "roc_auc=0.8", "--markdown", "/proc/x/p.md"),
        "/proc/x/p.md",
    ),
    Case(
        "monitor-html-is-a-directory",
        ("monitor", "--pact", "pact.yaml", "--reference", "train.csv", "--analysis", "eval.csv",
         "--html", "outdir"),
        "outdir",
    ),
    Case(
        "monitor-profile-parent-cannot-be-created",
        ("monitor", "--pact", "pact.yaml", "--reference", "train.csv", "--analysis", "eval.csv",
         "--save-reference-profile", "/proc/nope/ref.json"),
        "/proc/nope/ref.json",
    ),
    Case(
        "audit-json-parent-cannot-be-created",
        ("audit", "train.csv", "--target", "y", "--html", "a.html", "--json", "/proc/nope/a.json"),
        "/proc/nope/a.json",
    ),
    Case(
        "audit-relabel-export-is-a-directory",
        ("audit", "train.csv", "--target", "y", "--relabel-export", "outdir.json"),
        "outdir.json",
        prepare=lambda root: (root / "outdir.json").mkdir(),
    ),
    Case(
        "labels-import-out-cannot-be-created",
        ("labels", "import", "eval.csv", "--data", "train.csv", "--target", "y",
         "--out", "/proc/nope/fixed.csv"),
        "/proc/nope/fixed.csv",
    ),
    Case(
        "compare-html-is-a-directory",
        ("compare", "eval.csv", "copy.csv", "--pact", "pact.yaml", "--html", "outdir"),
        "outdir",
        prepare=lambda root: shutil.copy(root / "eval.csv", root / "copy.csv"),
    ),
    Case(
        "diff-json-parent-cannot-be-created",
        ("diff", "model.joblib", "model.joblib", "--data", "eval.csv", "--target", "y",
         "--json", "/proc/nope/d.json", "--html", "d.html"),
        "/proc/nope/d.json",
    ),
    # -- registration decided before the reports are written
    Case("register-project-with-slash", (*REGISTER, "--project", "a/b"), "a/b"),
    Case("register-project-dot-dot", (*REGISTER, "--project", ".."), "'..'"),
    Case("register-project-dot", (*REGISTER, "--project", "."), "'.'"),
    Case("register-project-percent-encoded", (*REGISTER, "--project", "%2e%2e"), "%2e%2e"),
    Case("register-project-control-char", (*REGISTER, "--project", "a\x1bb"), "U+001B"),
    Case("register-project-at-sign", (*REGISTER, "--project", "a@b"), "a@b"),
    Case("register-bad-store-url", (*REGISTER, "--store", "nope"), "nope"),
    Case(
        "register-corrupt-store",
        (*REGISTER, "--store", "sqlite:///corrupt.db"),
        "corrupt.db",
        also=("not a SQLite database",),
    ),
    Case(
        "register-read-only-ledger",
        (*REGISTER, "--model", "model.joblib"),
        ".modelpact",
        read_only=".modelpact",
    ),
    Case(
        "audit-register-read-only-ledger",
        ("audit", "train.csv", "--target", "y", "--pact", "pact.yaml", "--html", "a.html",
         "--register"),
        ".modelpact",
        read_only=".modelpact",
    ),
    Case(
        "audit-register-bad-project",
        ("audit", "train.csv", "--target", "y", "--html", "a.html", "--register",
         "--project", "x/../y"),
        "x/../y",
    ),
    Case(
        "promote-read-only-ledger",
        ("models", "promote", "churn:1", "--force", "--reason", "test"),
        ".modelpact",
        read_only=".modelpact",
    ),
    # -- the store
    Case("store-upgrade-not-a-url", ("store", "upgrade", "--store", "not a url"), "not a url"),
    Case(
        "store-upgrade-corrupt-file",
        ("store", "upgrade", "--store", "sqlite:///corrupt.db"),
        "corrupt.db",
        also=("not a SQLite database",),
    ),
    Case(
        "runs-list-corrupt-file",
        ("runs", "list", "--store", "sqlite:///corrupt.db"),
        "corrupt.db",
        also=("not a SQLite database",),
    ),
    Case("runs-list-not-a-url", ("runs", "list", "--store", "::"), "::"),
    Case(
        "config-file-with-bad-url",
        ("runs", "list"),
        "modelpact.toml",
        prepare=_toml_with_bad_url,
        also=("not a url",),
    ),
    Case("runs-show-percent-wildcards", ("runs", "show", "%%%%"), "%%%%"),
    Case("runs-show-underscore-wildcards", ("runs", "show", "____"), "____"),
    Case("models-show-percent-wildcards", ("models", "show", "%%%%"), "%%%%"),
    # -- input files
    Case(
        "pact-check-latin-1",
        ("pact", "check", "latin.yaml"),
        "latin.yaml",
        also=("UTF-8",),
    ),
    Case("pact-check-missing-file", ("pact", "check", "nope.yaml"), "nope.yaml"),
    Case(
        "pact-check-data-duplicate-ids",
        ("pact", "check", "pact.yaml", "--data", "dups.csv"),
        "pid",
        prepare=_duplicate_ids,
    ),
    Case(
        "pact-check-data-without-id",
        ("pact", "check", "pact.yaml", "--data", "noid.csv"),
        "pid",
        prepare=_without_id,
    ),
    Case(
        "verify-duplicate-ids",
        ("verify", "dups.csv", "--pact", "pact.yaml", "--json", "v.json"),
        "pid",
        prepare=_duplicate_ids,
        also=("dups.csv", "duplicate"),
    ),
    Case(
        "verify-without-id-column",
        ("verify", "noid.csv", "--pact", "pact.yaml", "--json", "v.json"),
        "pid",
        prepare=_without_id,
        also=("noid.csv",),
    ),
    Case(
        "verify-infinite-score-no-numpy-repr",
        ("verify", "inf.csv", "--pact", "pact.yaml"),
        "'p'",
        prepare=_infinite_score,
        also=("inf at row 5",),
    ),
    Case(
        "verify-unknown-label-no-numpy-repr",
        ("verify", "seven.csv", "--pact", "pred_pact.yaml"),
        "'yhat'",
        prepare=_label_seven,
        also=("holds 7 at row 7",),
    ),
    Case(
        "verify-text-in-score",
        ("verify", "text_score.csv", "--pact", "pact.yaml"),
        "'p'",
        prepare=_text_score,
        also=("'high'",),
    ),
    Case("verify-missing-data-file", ("verify", "nope.csv", "--pact", "pact.yaml"), "nope.csv"),
    Case(
        "verify-header-only",
        ("verify", "empty.csv", "--pact", "pact.yaml"),
        "empty.csv",
        prepare=_header_only,
    ),
    Case("verify-missing-pact", ("verify", "eval.csv", "--pact", "nope.yaml"), "nope.yaml"),
    Case("verify-too-few-resamples", (*VERIFY, "--resamples", "10"), "--resamples"),
    Case(
        "pact-init-out-exists",
        ("pact", "init", "eval.csv", "--target", "y", "--out", "pact.yaml"),
        "pact.yaml",
        also=("--force",),
    ),
    Case(
        "store-gc-read-only-ledger",
        ("store", "gc", "--min-age", "0s"),
        ".modelpact",
        read_only=".modelpact",
    ),
    Case("store-gc-bad-min-age", ("store", "gc", "--min-age", "soon"), "soon"),
    Case(
        "diff-registered-pickle-untrusted",
        ("diff", "model:churn:1", "model.joblib", "--data", "eval.csv", "--json", "d.json"),
        "churn:1",
        also=("--trust-pickle", "registered by"),
    ),
    # -- model files
    Case(
        "verify-text-file-as-model",
        (*VERIFY, "--model", "notes.txt", "--html", "r.html"),
        "notes.txt",
        also=("text file",),
    ),
    Case(
        "verify-garbage-model",
        (*VERIFY, "--model", "garbage.joblib"),
        "garbage.joblib",
        also=("cannot be loaded as a model",),
    ),
    Case("verify-missing-model", (*VERIFY, "--model", "nope.joblib"), "nope.joblib"),
    Case(
        "verify-skops-untrusted",
        (*VERIFY, "--model", "tree.skops", "--json", "v.json"),
        "tree.skops",
        also=("sklearn.tree._tree.Tree", "--trust"),
    ),
    Case(
        "verify-text-file-as-champion",
        (*VERIFY, "--champion", "notes.txt"),
        "notes.txt",
        also=("text file",),
    ),
    Case(
        "verify-text-file-as-baseline-model",
        (*VERIFY, "--baseline", "model:notes.txt"),
        "notes.txt",
        also=("text file",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    case: Case, template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "project"
    shutil.copytree(template, root)
    if case.prepare is not None:
        case.prepare(root)
    monkeypatch.chdir(root)
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    before = _snapshot(root)
    if case.read_only is not None:
        with _read_only(root / case.read_only):
            result = CliRunner().invoke(app, list(case.args))
    else:
        result = CliRunner().invoke(app, list(case.args))
    message = result.stderr.strip()
    assert result.exit_code == 2, (result.exit_code, result.output, message)
    assert "Traceback" not in result.output + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(message.splitlines()) == 1, message
    assert message.startswith("error: "), message
    for word in (case.names, *case.also):
        assert word in message, message
    assert "np.float64" not in message and "np.int64" not in message
    assert _snapshot(root) == before


def test_the_catalogue_holds_every_kind_of_case() -> None:
    assert len({case.id for case in CASES}) == len(CASES) >= 40
