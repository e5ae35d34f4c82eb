"""Shadow mode end to end: the client sends both models' answers, labels decide, paired by id."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.client import Client
from modelpact.errors import InvalidDataError, StoreError
from modelpact.evaluate.verdict import CriterionResult
from modelpact.ledger import Store, open_store
from modelpact.ledger.capture import CaptureStore
from modelpact.ledger.keys import KeyStore
from modelpact.pact import Pact, parse_pact
from modelpact.retrain import FrameSource, retrain
from modelpact.retrain.shadow import decide_shadow, start_shadow
from tests.retrain.conftest import FEATURES, ROOT, stream
from tests.service._server import free_port, start_server

PACT = """
name: churn
task: binary
positive_class: 1
columns: {target: y, time: t, id: request_id, score: p, features: [x1, x2, x3]}
criteria:
  - {metric: accuracy, at_least: 0.6}
retraining:
  trainer: tests.retrain.trainers:fit
  holdout_rows: 1000
  auto_promote: true
  margin: 0.03
  triggers: {min_new_labels: 1000}
"""
START = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass
class Live:
    store: Store
    url: str
    port: int
    key: str
    champion: LogisticRegression


def _pact() -> Pact:
    return parse_pact(PACT)


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    """A ledger with a champion serving captured model 'gbm', and a key to send rows with."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with open_store(url, root=tmp_path / ".modelpact") as store:
        store.ensure_project("churn", _pact())
        early = stream(300, seed=99)
        champion = LogisticRegression().fit(early[FEATURES], early["y"])
        version = store.register_model(project="churn", model=champion, name="first")
        store.set_stage(version.id, "champion", forced=True, reason="the first model")
        CaptureStore(store).ensure_model("churn", "gbm")
        _, key = KeyStore(store).create("churn")
        port = free_port()
        server = start_server(url, tmp_path, port, "--no-schedule")
        try:
            yield Live(store, url, port, key, champion)
        finally:
            server.terminate()
            server.wait(30)


def _window(n: int, seed: int) -> FrameSource:
    """Labelled rows from files or a pipeline, with the pact's id column."""
    rows = stream(n, seed=seed)
    return FrameSource(rows.assign(request_id=[f"w{i}" for i in rows["t"]]))


def _held_in_shadow(live: Live) -> str:
    """A retraining on a fresh window that holds its challenger in shadow beside 'gbm'."""
    result = retrain(
        live.store, "churn", _window(4000, 1), cwd=ROOT, shadow="gbm",
        explain=False,
    )
    assert result.action == "hold", result.decision.reasons
    assert "shadow mode" in result.decision.reasons[-1]
    assert result.challenger == "churn:2"
    run = live.store.get_run(result.run_id or "")
    assert (run.params["shadow"], run.params["shadow_of"]) == ("gbm.shadow.2", "gbm")
    return result.challenger


def _serve(
    live: Live, challenger: object, rows: pd.DataFrame, *, labelled: range, invert: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The model server: champion answers, challenger answers in shadow, labels once."""
    champion_p = live.champion.predict_proba(rows[FEATURES])[:, 1]
    challenger_p = challenger.predict_proba(rows[FEATURES])[:, 1]  # type: ignore[attr-defined]
    if invert:  # a broken challenger: its answers are the opposite of what it means
        challenger_p = 1 - challenger_p
    client = Client(
        f"http://127.0.0.1:{live.port}", key=live.key, project="churn", model="gbm",
        id_field="request_id", time_field="t", score_field="p", label_field="y",
        batch_size=500, flush_interval=0.05,
    )
    with client:
        for i, row in enumerate(rows.to_dict(orient="records")):
            features = {f: row[f] for f in FEATURES}
            when = START + timedelta(minutes=int(row["t"]))
            client.log_prediction(f"r{row['t']}", features, score=float(champion_p[i]),
                                  timestamp=when)
            client.log_shadow(f"r{row['t']}", features, candidate=2,
                              score=float(challenger_p[i]), timestamp=when)
        for i in labelled:
            client.log_feedback(f"r{rows['t'].iloc[i]}", int(rows["y"].iloc[i]))
        assert client.flush(120)
    assert client.stats.rejected == 0 and client.stats.dropped == 0
    return champion_p, challenger_p


def _paired_accuracy(rule: CriterionResult, y: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """The gate's difference is the challenger's accuracy minus the champion's on the same rows."""
    expected = float(((a >= 0.5) == y).mean() - ((b >= 0.5) == y).mean())
    assert rule.estimate == pytest.approx(expected, abs=1e-12)
    assert rule.n == len(y)


def test_labelled_shadow_rows_decide_and_the_champion_changes(live: Live) -> None:
    ref = _held_in_shadow(live)
    challenger = live.store.load_model(ref)
    rows = stream(2500, seed=7, start=10_000)
    # labels for a few rows first: not enough to decide, the candidate stays in shadow
    champion_p, challenger_p = _serve(live, challenger, rows, labelled=range(25))
    early = decide_shadow(live.store, "churn", "gbm", n_resamples=200)
    assert (early.action, early.outcome, early.exit_code) == ("hold", "inconclusive", 3)
    assert early.mode == "shadow" and early.window["labelled"] == 25
    assert live.store.get_model_version(ref).stage == "candidate"
    assert live.store.get_model_version("churn@champion").ref == "churn:1"

    # the rest of the labels arrive (re-sending the same answers is harmless)
    _serve(live, challenger, rows, labelled=range(2500))
    result = decide_shadow(live.store, "churn", "gbm", n_resamples=200)
    assert result.window == {
        "source": "captured models churn/gbm and churn/gbm.shadow.2",
        "rows": 2500, "labelled": 2500, "window_rows": 2500,
    }
    assert result.gate is not None and result.gate.versus_champion is not None
    _paired_accuracy(result.gate.versus_champion, rows["y"].to_numpy(), challenger_p, champion_p)
    assert result.gate.verdict.n_rows == 2500
    assert result.action == "promote", result.decision.reasons
    assert live.store.get_model_version("churn@champion").ref == ref
    run = live.store.get_run(result.run_id or "")
    assert (run.params["mode"], run.params["decision"]) == ("shadow", "promote")
    verdicts = live.store.list_verdicts("churn", model_version=ref)
    assert verdicts[0].verdict == "signed_off"  # the shadow verdict, newest first
    # nothing is in shadow any more
    with pytest.raises(Exception, match="no candidate in shadow"):
        decide_shadow(live.store, "churn", "gbm")


def test_a_challenger_worse_on_live_rows_is_rejected_through_the_command_line(
    live: Live,
) -> None:
    ref = _held_in_shadow(live)
    rows = stream(1500, seed=8, start=20_000)
    champion_p, challenger_p = _serve(
        live, live.store.load_model(ref), rows, labelled=range(1500), invert=True
    )
    result = CliRunner().invoke(
        app,
        ["retrain", "--project", "churn", "--model", "gbm", "--decide-shadow", "--store",
         live.url, "--json", "shadow.json"],
    )
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "REJECT" in result.stdout and "on labelled shadow rows" in result.stdout
    assert "shadow rows: 1,500 labelled of 1,500 live answers" in result.stdout
    assert live.store.get_model_version(ref).stage == "retired"
    assert live.store.get_model_version("churn@champion").ref == "churn:1"
    doc = pd.read_json(Path("shadow.json"), typ="series")
    assert (doc["mode"], doc["action"], doc["outcome"]) == ("shadow", "reject", "fail")
    gate = doc["gate"]["versus_champion"]
    expected = float(((challenger_p >= 0.5) == rows["y"]).mean()
                     - ((champion_p >= 0.5) == rows["y"]).mean())
    assert gate["estimate"] == pytest.approx(expected, abs=1e-12) and gate["status"] == "fail"


def test_only_a_held_challenger_goes_in_shadow_and_only_with_its_rows(live: Live) -> None:
    with pytest.raises(StoreError, match="was not produced by a retraining"):
        start_shadow(live.store, "churn:1", "gbm")
    result = retrain(live.store, "churn", _window(4000, 1), cwd=ROOT,
                     explain=False)
    assert result.action == "promote"  # decided on the holdout: nothing to shadow
    with pytest.raises(StoreError, match="decided 'promote', not 'hold'"):
        start_shadow(live.store, result.challenger or "", "gbm")
    code = CliRunner().invoke(
        app, ["models", "shadow", "churn:2", "--model", "gbm", "--store", live.url]
    )
    assert code.exit_code == 2 and "not 'hold'" in code.stderr
    with pytest.raises(Exception, match="no captured model 'nope'"):
        retrain(live.store, "churn", _window(6000, 2), cwd=ROOT, shadow="nope",
                force=True)


def test_models_shadow_puts_a_held_candidate_in_shadow(live: Live) -> None:
    held = _pact().model_copy(
        update={"retraining": _pact().retraining.model_copy(update={"auto_promote": False})}  # type: ignore[union-attr]
    )
    live.store.approve_pact("churn", held, reason="hold retrained models")
    result = retrain(live.store, "churn", _window(4000, 1), pact=held, cwd=ROOT,
                     explain=False)
    assert result.action == "hold"
    out = CliRunner().invoke(
        app, ["models", "shadow", "churn:2", "--model", "gbm", "--store", live.url]
    )
    assert out.exit_code == 0, out.stderr
    assert "churn:2: in shadow beside gbm" in out.stdout and "candidate=2" in out.stdout
    with pytest.raises(InvalidDataError, match="no labelled shadow rows yet"):
        decide_shadow(live.store, "churn", "gbm")
