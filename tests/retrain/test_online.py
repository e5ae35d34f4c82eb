"""Gated online learning against a SQLite ledger: keep, roll back, carry, resume, refuse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import SGDClassifier

from modelpact.errors import ConfigurationError, InvalidDataError, ModelLoadError, NotFoundError
from modelpact.ledger import Store, open_store
from modelpact.ledger.retraining import retraining_runs
from modelpact.ledger.status import project_status
from modelpact.pact import Pact, parse_pact
from modelpact.retrain import (
    FrameSource,
    OnlineLearner,
    RetrainingBusy,
    retrain,
    retraining_lock,
)
from modelpact.service.dashboard.views import retraining_history

FEATURES = ["x1", "x2"]

PACT = """
name: online
task: binary
positive_class: 1
columns: {{target: y, time: t, features: [x1, x2]}}
criteria:
  - {{metric: accuracy, at_least: {floor}}}
retraining:
  triggers: {{every_rows: 500}}
  promotion: {rule}
  margin: 0.02
  auto_promote: {auto}
"""


def make_pact(
    rule: str = "non_inferiority", *, auto: bool = True, extra: str = "", floor: float = 0.6
) -> Pact:
    return parse_pact(PACT.format(rule=rule, auto=str(auto).lower(), floor=floor) + extra)


def rotating(n: int, *, start: int = 0, seed: int = 0, period: int = 8000) -> pd.DataFrame:
    """A logistic concept whose direction turns half a circle every *period* rows."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    angle = np.arange(start, start + n) / period * 2 * np.pi
    z = 4 * (np.cos(angle) * x[:, 0] + np.sin(angle) * x[:, 1])
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return pd.DataFrame(x, columns=FEATURES).assign(t=np.arange(start, start + n), y=y)


def fresh_sgd(rows: pd.DataFrame) -> SGDClassifier:
    model = SGDClassifier(loss="log_loss", random_state=0)
    return model.partial_fit(rows[FEATURES], rows["y"], classes=[0, 1])


def ledger_with(tmp_path: Path, pact: Pact, champion: Any) -> Store:
    store = open_store(f"sqlite:///{tmp_path / 'ledger.db'}", root=tmp_path)
    store.ensure_project("stream", pact)
    version = store.register_model(project="stream", model=champion, name="first")
    store.set_stage(version.id, "champion", forced=True, reason="the first learner")
    return store


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Store]:
    """Project 'stream': a non-inferiority pact and an SGD champion fitted on 500 early rows."""
    with ledger_with(tmp_path, make_pact(), fresh_sgd(rotating(500, start=-500))) as store:
        yield store


def feed(online: OnlineLearner, rows: pd.DataFrame, batch: int = 50) -> tuple[Any, list[Any]]:
    """Predict each batch with the live learner, then learn it: prequential predictions."""
    predicted, turns = [], []
    for s in range(0, len(rows), batch):
        part = rows.iloc[s : s + batch]
        predicted.append(online.predict(part))
        turns.extend(online.learn(part, part["y"]))
    return np.concatenate(predicted), turns


def _online_runs(store: Store) -> list[Any]:
    return [r for r in retraining_runs(store, "stream") if r.params.get("mode") == "online"]


def test_on_a_drifting_stream_the_learner_keeps_learning_and_checkpoints_are_kept(
    ledger: Store,
) -> None:
    first = ledger.get_model_version("stream@champion")
    frozen = ledger.load_model(first.id)
    rows = rotating(6000)
    with OnlineLearner(ledger, "stream") as online:
        predicted, turns = feed(online, rows)
        kept = online.checkpoint
    y = rows["y"].to_numpy()
    # the learner followed the turning concept; the champion it started from did not
    online_accuracy = float((predicted == y).mean())
    frozen_accuracy = float((frozen.predict(rows[FEATURES]) == y).mean())
    assert online_accuracy > 0.8 and online_accuracy > frozen_accuracy + 0.15
    assert len(turns) == 12 and all(t.rows >= 500 for t in turns)
    promoted = [t for t in turns if t.action == "promote"]
    assert len(promoted) >= 6
    champion = ledger.get_model_version("stream@champion")
    assert champion.ref == promoted[-1].promoted != first.ref
    np.testing.assert_array_equal(ledger.load_model(champion.id).coef_, kept.coef_)
    # every gate is a finished retraining run; the kept ones made the versions and verdicts
    runs = _online_runs(ledger)
    assert len(runs) == 12 and all(r.status == "finished" for r in runs)
    assert sum(r.params["decision"] == "promote" for r in runs) == len(promoted)
    for turn in promoted:
        version = ledger.get_model_version(turn.promoted or "")
        assert version.run_id == turn.run_id
        assert [v.verdict for v in ledger.list_verdicts("stream", model_version=version.id)] == [
            "signed_off"
        ]
    status = project_status(ledger, "stream").retraining
    last = runs[0].params["decision"]
    assert status is not None and f" {last} (gate " in status and "trigger: online: " in status
    history = retraining_history(ledger, "stream")
    assert len(history) == 12
    newest_kept = next(h for h in history if h["decision"] == "promote")
    assert newest_kept["promoted"] == promoted[-1].promoted
    assert newest_kept["holdout_rows"] == promoted[-1].rows
    assert newest_kept["verdict"] is not None and newest_kept["verdict"].verdict == "signed_off"
    assert [m["to"] for m in newest_kept["moves"]] == ["candidate", "champion"]
    # the page says what an online gate judged: the rows it learned, not a held-out slice
    from modelpact.service.dashboard.routes import _env

    html = _env().get_template("_retraining.html.j2").render(project="stream",
                                                             retrainings=history)
    assert html.count(" rows learned online, each judged before it was learned") == 12
    assert f"{promoted[-1].rows:,} rows learned online" in html
    assert "rows, holdout " not in html  # the batch wording of a train and holdout split


def test_the_gate_judges_the_prequential_scores_of_the_learner_and_the_checkpoint(
    ledger: Store,
) -> None:
    champion = ledger.load_model(ledger.get_model_version("stream@champion").id)
    rows = rotating(500, start=2000)
    with OnlineLearner(ledger, "stream") as online:
        predicted, turns = feed(online, rows)
    assert len(turns) == 1
    gate = turns[0].gate
    y = rows["y"].to_numpy()
    live = float((predicted == y).mean())
    frozen = float((champion.predict(rows[FEATURES]) == y).mean())
    accuracy = gate.verdict.criteria[0]
    assert accuracy.n == 500 and accuracy.estimate == pytest.approx(live)
    rule = gate.versus_champion
    assert rule is not None and rule.n == 500
    assert rule.candidate_value == pytest.approx(live)
    assert rule.reference_value == pytest.approx(frozen)
    assert rule.estimate == pytest.approx(live - frozen)


class Flaky:
    """An SGD learner whose update has a switchable bug: it learns the labels inverted."""

    broken: ClassVar[bool] = False

    def __init__(self, rows: pd.DataFrame) -> None:
        self.inner = fresh_sgd(rows)
        for _ in range(5):
            self.inner.partial_fit(rows[FEATURES], rows["y"])

    @property
    def classes_(self) -> Any:
        return self.inner.classes_

    def predict(self, X: pd.DataFrame) -> Any:
        return self.inner.predict(X)

    def predict_proba(self, X: pd.DataFrame) -> Any:
        return self.inner.predict_proba(X)

    def partial_fit(self, X: pd.DataFrame, y: Any, classes: Any = None) -> Flaky:
        labels = 1 - np.asarray(y) if Flaky.broken else np.asarray(y)
        self.inner.partial_fit(X, labels, classes=classes)
        return self


def still(n: int, *, start: int, seed: int) -> pd.DataFrame:
    """The concept at angle zero: a stationary stretch."""
    return rotating(n, start=start, seed=seed, period=10**12)


@pytest.fixture
def flaky_ledger(tmp_path: Path) -> Iterator[Store]:
    Flaky.broken = False
    with ledger_with(tmp_path, make_pact(), Flaky(still(2000, start=-2000, seed=3))) as store:
        yield store
    Flaky.broken = False


def test_learning_that_makes_the_learner_worse_is_rolled_back_and_the_champion_stays(
    flaky_ledger: Store,
) -> None:
    with OnlineLearner(flaky_ledger, "stream", trust_pickle=True) as online:
        _, clean = feed(online, still(1000, start=0, seed=4))
        assert [t.action for t in clean] != ["rollback", "rollback"]
        before = online.champion
        Flaky.broken = True  # from here every update learns the labels inverted
        _, broken = feed(online, still(500, start=1000, seed=5))
        assert [t.action for t in broken] == ["rollback"]
        turn = broken[0]
        rule = turn.gate.versus_champion
        assert rule is not None and rule.status == "fail" and rule.estimate < -0.1
        assert flaky_ledger.get_model_version("stream@champion").ref == before == turn.checkpoint
        probe = still(200, start=5000, seed=6)
        # the live learner is the checkpoint again, not the damaged one
        np.testing.assert_array_equal(
            online.predict_proba(probe), online.checkpoint.predict_proba(probe[FEATURES])
        )
        Flaky.broken = False
        _, healed = feed(online, still(500, start=1500, seed=7))
        assert [t.action for t in healed] != ["rollback"]
    run = next(r for r in _online_runs(flaky_ledger) if r.id == turn.run_id)
    assert run.params["decision"] == "reject" and run.params["online_action"] == "rollback"
    assert run.params["rollback"] == before
    assert any("rolled back" in reason for reason in json.loads(run.params["reasons"]))
    made = [v for v in flaky_ledger.list_model_versions("stream") if v.run_id == run.id]
    assert made == []  # nothing registered for a rolled-back turn
    verdicts = [v for v in flaky_ledger.list_verdicts("stream") if v.run_id == run.id]
    assert len(verdicts) == 1


def test_nothing_is_promoted_on_noise_under_superiority(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    early = pd.DataFrame(rng.normal(size=(500, 2)), columns=FEATURES).assign(
        t=np.arange(500), y=rng.integers(0, 2, 500)
    )
    noise = pd.DataFrame(rng.normal(size=(5000, 2)), columns=FEATURES).assign(
        t=np.arange(500, 5500), y=rng.integers(0, 2, 5000)
    )
    with (
        ledger_with(tmp_path, make_pact("superiority", floor=0.4), fresh_sgd(early)) as store,
        OnlineLearner(store, "stream") as online,
    ):
        first = online.champion
        _, turns = feed(online, noise, batch=100)
        assert len(turns) == 10
        assert all(t.action != "promote" for t in turns)
        assert store.get_model_version("stream@champion").ref == first
        # undecided evidence is carried: each gate sees more rows than the last, to its cap
        carried = [t for t in turns if t.carried]
        assert carried and any(t.rows > 500 for t in turns)
        assert max(t.rows for t in turns) <= 5000
    decisions = {r.params["decision"] for r in _online_runs(store)}
    assert "promote" not in decisions


def test_carried_evidence_is_capped_by_the_window(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    noise = pd.DataFrame(rng.normal(size=(3000, 2)), columns=FEATURES).assign(
        t=np.arange(3000), y=rng.integers(0, 2, 3000)
    )
    pact = make_pact("superiority", extra="  window: {last_rows: 1000}\n", floor=0.4)
    with (
        ledger_with(tmp_path, pact, fresh_sgd(noise.iloc[:500])) as store,
        OnlineLearner(store, "stream") as online,
    ):
        _, turns = feed(online, noise.iloc[500:], batch=100)
    assert [t.rows for t in turns if t.carried][:1] == [500]
    assert max(t.rows for t in turns) == 1000


def test_a_restart_resumes_from_the_last_checkpoint(ledger: Store) -> None:
    rows = rotating(1700)
    with OnlineLearner(ledger, "stream") as online:
        _, turns = feed(online, rows)
        assert (
            len(turns) == 3 and online.pending_rows == 200
        )  # learned since the last gate, not yet judged
        checkpoint = online.checkpoint.coef_.copy()
        live = online.learner.coef_.copy()
        champion = online.champion
    assert not np.array_equal(live, checkpoint)
    with OnlineLearner(ledger, "stream") as again:
        assert again.champion == champion
        assert again.pending_rows == 0
        np.testing.assert_array_equal(again.learner.coef_, checkpoint)
        np.testing.assert_array_equal(again.checkpoint.coef_, checkpoint)
        # and it goes on learning from there
        more = rotating(500, start=1700)
        again.learn(more, more["y"])
        assert not np.array_equal(again.learner.coef_, checkpoint)


def test_one_online_learner_per_project_and_no_retraining_beside_it(ledger: Store) -> None:
    busy = "another retraining of project 'stream'"
    with OnlineLearner(ledger, "stream"), pytest.raises(RetrainingBusy, match=busy):
        OnlineLearner(ledger, "stream")
    with OnlineLearner(ledger, "stream"), pytest.raises(RetrainingBusy, match=busy):
        retraining_lock(ledger, "stream").__enter__()  # what 'modelpact retrain' takes
    with OnlineLearner(ledger, "stream"):
        pass  # closed: the lease is free again


def test_a_champion_changed_behind_its_back_stops_the_learner(ledger: Store) -> None:
    other = ledger.register_model(
        project="stream", model=fresh_sgd(rotating(300, seed=9)), name="other"
    )
    rows = rotating(500)
    with OnlineLearner(ledger, "stream") as online:
        ledger.set_stage(other.id, "champion", forced=True, reason="a person promoted it")
        with pytest.raises(Exception, match="changed from stream:1 to stream:2 outside"):
            online.learn(rows, rows["y"])
    assert ledger.get_model_version("stream@champion").ref == "stream:2"


def test_bad_input_is_refused_with_a_clear_error(ledger: Store) -> None:
    rows = rotating(100)
    with OnlineLearner(ledger, "stream") as online:
        with pytest.raises(InvalidDataError, match="lacks feature column 'x2'"):
            online.learn(rows.drop(columns=["x2"]), rows["y"])
        with pytest.raises(InvalidDataError, match="must be a pandas DataFrame"):
            online.predict(rows[FEATURES].to_numpy())  # type: ignore[arg-type]
        with pytest.raises(InvalidDataError, match="99 labels for 100 rows"):
            online.learn(rows, rows["y"].iloc[:99])
        labels = rows["y"].astype(float)
        labels.iloc[7] = np.nan
        with pytest.raises(InvalidDataError, match="label of row 7 is missing"):
            online.learn(rows, labels)
        with pytest.raises(InvalidDataError, match="label 2 is not a class the learner knows"):
            online.learn(rows, rows["y"].replace({1: 2}))
        # nothing of the refused calls was learned or kept as evidence
        assert online.pending_rows == 0


def test_a_learner_without_partial_fit_is_refused(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    rows = rotating(300)
    with (
        ledger_with(
            tmp_path, make_pact(), LogisticRegression().fit(rows[FEATURES], rows["y"])
        ) as store,
        pytest.raises(ModelLoadError, match=r"has no partial_fit\(\)"),
    ):
        OnlineLearner(store, "stream")


def test_settings_online_learning_cannot_honour_are_refused(tmp_path: Path) -> None:
    early = rotating(300)
    with (
        ledger_with(tmp_path, make_pact(auto=False), fresh_sgd(early)) as store,
        pytest.raises(ConfigurationError, match="auto_promote"),
    ):
        OnlineLearner(store, "stream")
    text = PACT.format(rule="unless_worse", auto="true", floor=0.6)
    no_turn = parse_pact(text.replace("triggers: {every_rows: 500}", ""))
    with (
        ledger_with(tmp_path / "b", no_turn, fresh_sgd(early)) as store,
        pytest.raises(ConfigurationError, match="every_rows"),
    ):
        OnlineLearner(store, "stream")
    with open_store(f"sqlite:///{tmp_path / 'c.db'}", root=tmp_path / "c") as store:
        store.ensure_project("stream", make_pact())
        with pytest.raises(NotFoundError, match="no champion to learn from"):
            OnlineLearner(store, "stream")


def test_a_pickled_learner_needs_trust(flaky_ledger: Store) -> None:
    with pytest.raises(ModelLoadError, match="pickle"):
        OnlineLearner(flaky_ledger, "stream")


def test_batch_retraining_refuses_a_pact_without_a_trainer(ledger: Store) -> None:
    with pytest.raises(ConfigurationError, match="declares no trainer"):
        retrain(ledger, "stream", FrameSource(rotating(1000)), force=True)


def test_a_regressor_learns_online_under_the_same_gate(tmp_path: Path) -> None:
    from sklearn.linear_model import SGDRegressor

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 2))
    rows = pd.DataFrame(x, columns=FEATURES).assign(
        t=np.arange(2000), y=2 * x[:, 0] - x[:, 1] + rng.normal(scale=0.3, size=2000)
    )
    pact = parse_pact(
        """
name: online-regression
task: regression
columns: {target: y, features: [x1, x2]}
criteria:
  - {metric: mae, at_most: 1.0}
retraining:
  triggers: {every_rows: 500}
  margin: 0.05
  auto_promote: true
"""
    )
    barely = SGDRegressor(random_state=0).partial_fit(rows.iloc[:20][FEATURES], rows["y"][:20])
    with (
        ledger_with(tmp_path, pact, barely) as store,
        OnlineLearner(store, "stream") as online,
    ):
        predicted, turns = feed(online, rows.iloc[20:1020], batch=100)
    assert len(turns) == 2
    n = turns[-1].rows  # an undecided first gate carries its rows to the second
    mae = turns[-1].gate.verdict.criteria[0]
    expected = np.abs(predicted[-n:] - rows["y"].to_numpy()[1020 - n : 1020]).mean()
    assert mae.n == n and mae.estimate == pytest.approx(expected)
    assert turns[-1].action == "promote"
    assert store.get_model_version("stream@champion").ref == turns[-1].promoted


def test_a_multiclass_learner_is_gated_on_its_probabilities(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    k = rng.integers(0, 3, 2030)
    x = rng.normal(size=(2030, 2)) + np.array([[0, 0], [2, 0], [0, 2]])[k]
    rows = pd.DataFrame(x, columns=FEATURES).assign(
        t=np.arange(2030), y=np.array(["a", "b", "c"])[k]
    )
    pact = parse_pact(
        """
name: online-multiclass
task: multiclass
classes: [a, b, c]
columns: {target: y, prediction: pred, features: [x1, x2]}
criteria:
  - {metric: accuracy, at_least: 0.5}
retraining:
  triggers: {every_rows: 500}
  margin: 0.02
  auto_promote: true
"""
    )
    barely = SGDClassifier(loss="log_loss", random_state=0).partial_fit(
        rows.iloc[:30][FEATURES], rows["y"][:30], classes=["a", "b", "c"]
    )
    with (
        ledger_with(tmp_path, pact, barely) as store,
        OnlineLearner(store, "stream") as online,
    ):
        proba, turns = [], []
        for s in range(30, 2030, 100):
            part = rows.iloc[s : s + 100]
            proba.append(online.predict_proba(part))
            turns.extend(online.learn(part, part["y"]))
    assert len(turns) == 4 and "promote" in [t.action for t in turns]
    # the gate reads probabilities, as verify does: its label is the most probable class
    labels = online.learner.classes_[np.concatenate(proba).argmax(axis=1)]
    n = turns[0].rows
    accuracy = turns[0].gate.verdict.criteria[0]
    assert accuracy.estimate == pytest.approx((labels[:n] == rows["y"][30 : 30 + n]).mean())
