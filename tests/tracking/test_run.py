"""The experiment loop: ``modelpact.start_run`` records runs, data, models and verdicts."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from modelpact.errors import ConfigurationError, InvalidDataError
from modelpact.ledger import Store, open_store
from modelpact.pact import Pact, parse_pact
from modelpact.tracking import ActiveRun, start_run

PACT = """
name: toy
task: binary
positive_class: 1
columns: {target: y, score: p, id: id, slices: [group]}
criteria:
  - {metric: roc_auc, at_least: 0.75}
  - {metric: recall, slice: {group: b}, at_least: 0.5}
"""


def _data(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    y = (x1 + 0.5 * x2 + rng.normal(scale=0.7, size=n) > 0).astype(int)
    return pd.DataFrame(
        {
            "id": np.arange(n) + seed * 100_000,
            "x1": x1,
            "x2": x2,
            "group": rng.choice(["a", "b"], size=n),
            "y": y,
        }
    )


@pytest.fixture
def pact() -> Pact:
    return parse_pact(PACT)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = open_store(root=tmp_path / ".modelpact")
    yield opened  # type: ignore[misc]
    opened.close()


def _fit(train: pd.DataFrame, C: float = 1.0) -> LogisticRegression:
    return LogisticRegression(C=C).fit(train[["x1", "x2"]], train["y"])


def test_a_run_records_params_and_finishes(store: Store, tmp_path: Path) -> None:
    with start_run("toy", store=store, params={"lr": 0.1}, name="first", cwd=tmp_path) as run:
        run.log_param("depth", 3)
        run.log_metric("loss", 0.25, low=0.2, high=0.3, confidence=0.9)
    record = store.get_run(run.id)
    assert record.status == "finished"
    assert record.name == "first"
    assert record.params == {"depth": "3", "lr": "0.1"}
    assert record.metrics["loss"].low == 0.2
    assert record.duration_s is not None
    assert record.duration_s >= 0
    assert (record.git_commit, record.git_dirty) == (None, None)  # tmp_path is no checkout


def test_an_exception_marks_the_run_failed_and_propagates(store: Store) -> None:
    with pytest.raises(RuntimeError, match="diverged"), start_run("toy", store=store) as run:
        raise RuntimeError("diverged")
    record = store.get_run(run.id)
    assert record.status == "failed"
    assert record.error == "RuntimeError: diverged"


def test_log_model_registers_a_candidate_with_its_params(store: Store, pact: Pact) -> None:
    train = _data(300, 1)
    model = _fit(train, C=0.3)
    with start_run("toy", pact=pact, store=store) as run:
        version = run.log_model(model, name="logreg")
    assert version.stage == "candidate"
    assert version.run_id == run.id
    assert version.params["C"] == 0.3
    assert store.get_run(run.id).params["model.C"] == "0.3"
    loaded = store.load_model(version.ref)
    np.testing.assert_allclose(loaded.coef_, model.coef_)


def test_evaluate_records_verdict_metrics_predictions_and_data(store: Store, pact: Pact) -> None:
    train, test = _data(2000, 1), _data(1500, 2)
    model = _fit(train)
    with start_run("toy", pact=pact, store=store) as run:
        run.log_dataset(train, role="train", name="train.csv")
        version = run.log_model(model)
        verdict = run.evaluate(model, test, train=train)
    assert verdict.verdict == "signed_off"
    record = store.get_run(run.id)
    assert record.verdict == "signed_off"
    auc = record.metrics["roc_auc"]
    assert auc.low is not None
    assert auc.high is not None
    assert auc.low < auc.value < auc.high
    assert auc.n == len(test)
    assert "recall[group=b]" in record.metrics
    assert {d.role for d in record.datasets} == {"train", "eval"}
    preds = store.run_predictions(run.id)
    assert list(preds.columns) == ["id", "y", "p", "group"]
    expected = model.predict_proba(test[["x1", "x2"]])[:, 1]
    np.testing.assert_allclose(preds["p"].to_numpy(), expected)
    np.testing.assert_array_equal(preds["id"].to_numpy(), test["id"].to_numpy())
    # the stored verdict is about the logged version, so it can be promoted without force
    assert store.signing_verdict(version.ref) is not None
    assert store.set_stage(version.ref, "champion").stage == "champion"
    train_snapshot = record.datasets_for("train")[0]
    pd.testing.assert_frame_equal(store.load_dataset_frame(train_snapshot.dataset_id), train)


def test_evaluate_given_scores(store: Store, pact: Pact) -> None:
    train, test = _data(1000, 1), _data(800, 2)
    scores = _fit(train).predict_proba(test[["x1", "x2"]])[:, 1]
    with start_run("toy", pact=pact, store=store) as run:
        verdict = run.evaluate(scores, test, train=train)
    assert verdict.verdict in ("signed_off", "inconclusive")
    np.testing.assert_allclose(store.run_predictions(run.id)["p"].to_numpy(), scores)
    with (
        start_run("toy", pact=pact, store=store) as run2,
        pytest.raises(InvalidDataError, match="must be row-aligned"),
    ):
        run2.evaluate(scores[:10], test)


def test_a_bad_model_fails_the_pact(store: Store, pact: Pact) -> None:
    train, test = _data(1000, 1), _data(1500, 2)
    shuffled = train.assign(y=np.random.default_rng(0).permutation(train["y"].to_numpy()))
    noise = _fit(shuffled)  # learned from labels unrelated to the features
    with start_run("toy", pact=pact, store=store) as run:
        version = run.log_model(noise)
        verdict = run.evaluate(noise, test, train=train)
    assert verdict.verdict == "failed"
    assert store.get_run(run.id).verdict == "failed"
    assert store.signing_verdict(version.ref) is None


def test_evaluate_needs_a_pact(store: Store) -> None:
    with (
        start_run("toy", store=store) as run,
        pytest.raises(ConfigurationError, match="no pact to evaluate against"),
    ):
        run.evaluate(np.zeros(3), _data(3, 0))


def test_log_predictions_from_arrays_uses_the_pact_names(store: Store, pact: Pact) -> None:
    with start_run("toy", pact=pact, store=store) as run:
        run.log_predictions(target=[0, 1], score=[0.2, 0.9], ids=[10, 11])
    frame = store.run_predictions(run.id)
    assert list(frame.columns) == ["id", "y", "p"]
    assert frame["p"].tolist() == [0.2, 0.9]
    with (
        start_run("toy", pact=pact, store=store) as run,
        pytest.raises(InvalidDataError, match="different lengths"),
    ):
        run.log_predictions(target=[0, 1], score=[0.2])


def test_nested_runs_are_independent(tmp_path: Path) -> None:
    root = tmp_path / ".modelpact"
    with start_run("toy", root=root, params={"level": "outer"}) as outer:
        with start_run("toy", root=root, params={"level": "inner"}) as inner:
            inner.log_metric("m", 2.0)
        outer.log_metric("m", 1.0)
    assert outer.id != inner.id
    with open_store(root=root) as store:
        assert store.get_run(outer.id).params == {"level": "outer"}
        assert store.get_run(inner.id).metrics["m"].value == 2.0
        assert store.get_run(outer.id).metrics["m"].value == 1.0
        assert {r.status for r in store.list_runs("toy")} == {"finished"}


def test_concurrent_runs_in_threads(tmp_path: Path) -> None:
    root = tmp_path / ".modelpact"
    open_store(root=root).close()
    ids: dict[int, str] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            with start_run("toy", root=root, params={"k": k}) as run:
                for step in range(5):
                    run.log_metric(f"m{step}", k * 10 + step)
                ids[k] = run.id
        except BaseException as exc:  # re-raised by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with open_store(root=root) as store:
        for k, run_id in ids.items():
            record = store.get_run(run_id)
            assert record.params == {"k": str(k)}
            assert {m.value for m in record.metrics.values()} == {k * 10 + s for s in range(5)}


def test_run_outside_a_with_block_says_how_to_use_it() -> None:
    with pytest.raises(ConfigurationError, match=r"with modelpact\.start_run"):
        ActiveRun("toy").log_param("a", 1)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_code_version_from_git(tmp_path: Path, store: Store) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
            cwd=repo,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    git("init", "-q")
    (repo / "train.py").write_text("print(1)\n")
    git("add", "train.py")
    git("commit", "-q", "-m", "first")
    head = git("rev-parse", "HEAD")
    with start_run("toy", store=store, cwd=repo) as clean:
        pass
    (repo / "train.py").write_text("print(2)\n")
    with start_run("toy", store=store, cwd=repo) as dirty:
        pass
    assert (store.get_run(clean.id).git_commit, store.get_run(clean.id).git_dirty) == (head, False)
    assert (store.get_run(dirty.id).git_commit, store.get_run(dirty.id).git_dirty) == (head, True)


def test_log_dataset_from_a_file_keeps_its_path_as_name(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    _data(20, 3).to_csv(path, index=False)
    with start_run("toy", store=store) as run:
        from_file = run.log_dataset(path, role="train")
        unnamed = run.log_dataset(_data(10, 4), role="eval")
    assert from_file.name == str(path)
    assert from_file.n_rows == 20
    assert unnamed.name == "eval data"
    assert {d.role for d in store.get_run(run.id).datasets} == {"train", "eval"}


def test_the_configured_store_is_used_when_none_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'team.db'}"
    monkeypatch.setenv("MODELPACT_STORE", url)
    with start_run("toy", root=tmp_path / "unused") as run:
        pass
    with open_store(url, root=tmp_path, create=False) as store:
        assert store.get_run(run.id).status == "finished"
    assert not (tmp_path / "unused" / "ledger.db").exists()


def test_the_active_run_has_its_own_name_and_the_old_one_warns() -> None:
    import modelpact
    import modelpact.tracking as tracking
    from modelpact.ledger import Run as RunRecord

    assert modelpact.ActiveRun is ActiveRun
    assert ActiveRun is not RunRecord
    assert "Run" not in modelpact.__all__ and "Run" not in tracking.__all__
    with pytest.warns(DeprecationWarning, match="ActiveRun"):
        assert tracking.Run is ActiveRun
