"""The training window from captured rows: predictions from the service, labels arriving later."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.errors import InvalidDataError
from modelpact.ledger import Store, open_store
from modelpact.ledger.capture import CaptureStore, PredictionBatch
from modelpact.ledger.monitoring import MonitoringStore
from modelpact.ledger.status import project_status
from modelpact.retrain import CaptureSource, check, retrain
from tests.retrain.conftest import FEATURES, make_pact, stream

START = datetime(2026, 3, 1, tzinfo=UTC)


def _times(n: int) -> list[datetime]:
    return [START + timedelta(minutes=i) for i in range(n)]


def capture(store: Store, rows: pd.DataFrame, positions: range) -> None:
    """Send the predictions of *rows* at *positions* the way the service stores them."""
    model = CaptureStore(store).ensure_model("churn", "gbm")
    times = _times(len(rows))
    CaptureStore(store).add_predictions(
        model,
        PredictionBatch(
            ids=[f"p{i}" for i in positions],
            timestamps=[times[i] for i in positions],
            columns=tuple(FEATURES),
            features=[
                json.dumps(values)
                for values in rows.loc[list(positions), FEATURES].to_numpy().tolist()
            ],
            scores=[0.5] * len(positions),
        ),
    )


def feedback(store: Store, rows: pd.DataFrame, positions: range) -> None:
    """Labels arriving for the predictions at *positions*."""
    model = CaptureStore(store).get_model("churn", "gbm")
    CaptureStore(store).add_feedback(
        model,
        [f"p{i}" for i in positions],
        [json.dumps(int(y)) for y in rows["y"].to_numpy()[list(positions)]],
    )


@pytest.fixture
def ledger(store_url: str, tmp_path: Path) -> Iterator[Store]:
    """A ledger (SQLite or PostgreSQL) whose project 'churn' has a champion and a pact."""
    # the command line finds artifacts under <cwd>/.modelpact
    with open_store(store_url, root=tmp_path / ".modelpact") as store:
        store.ensure_project("churn", make_pact())
        early = stream(1000, seed=99)
        champion = LogisticRegression().fit(early[FEATURES], early["y"])
        version = store.register_model(project="churn", model=champion, name="first")
        store.set_stage(version.id, "champion", forced=True, reason="the first model")
        yield store


def test_captured_rows_become_the_window_once_their_labels_arrive(ledger: Store) -> None:
    rows = stream(6000, seed=1).drop(columns="t")
    # the newer half arrives first: the window must still be put in time order
    capture(ledger, rows, range(3000, 6000))
    capture(ledger, rows, range(0, 3000))
    source = CaptureSource(ledger, "churn", "gbm", make_pact())
    with pytest.raises(InvalidDataError, match="captured model churn/gbm: no labelled rows"):
        check(ledger, "churn", source)

    feedback(ledger, rows, range(4000, 5000))  # labels arrive out of order too
    feedback(ledger, rows, range(0, 4000))
    frame = source.load()
    assert list(frame.columns) == ["prediction_id", "t", *FEATURES, "y"]  # no champion outputs
    assert frame["t"].is_monotonic_increasing
    assert frame["y"].notna().sum() == 5000

    result = retrain(ledger, "churn", source)
    assert result.action == "promote", result.summary()
    window = result.window
    assert window["source"] == "captured model churn/gbm"
    assert (window["rows"], window["labelled"], window["window_rows"]) == (6000, 5000, 5000)
    # the holdout is the newest labelled slice: it ends at the last labelled prediction
    newest_labelled = START + timedelta(minutes=4999)
    assert window["holdout"]["rows"] == 2000
    assert window["holdout"]["span"].endswith(str(pd.Timestamp(newest_labelled)))
    assert window["train"]["span"].startswith(str(pd.Timestamp(START)))
    assert ledger.get_model_version("churn@champion").ref == result.promoted
    status = project_status(ledger, "churn").retraining
    started = ledger.get_run(result.run_id or "").started_at
    assert status == (
        f"{started:%Y-%m-%d %H:%M} promote (gate pass); trigger: {result.triggers.reasons[0]}"
    )

    # the 1,000 labels that arrive later are new evidence for the min_new_labels trigger
    assert not check(ledger, "churn", source).fired
    more = stream(2000, seed=2).drop(columns="t")
    capture_rows = pd.concat([rows, more], ignore_index=True)
    capture(ledger, capture_rows, range(6000, 8000))
    feedback(ledger, capture_rows, range(6000, 7500))
    report = check(ledger, "churn", source)
    assert report.fired and report.new_labels == 1500


def test_the_pacts_window_cuts_the_last_rows_and_the_last_period(ledger: Store) -> None:
    rows = stream(6000, seed=1).drop(columns="t")
    capture(ledger, rows, range(6000))
    feedback(ledger, rows, range(6000))
    by_rows = make_pact(extra="  window: {last_rows: 2500}\n")
    by_period = make_pact(extra="  window: {last: 3000m}\n")
    from modelpact.retrain import load_window

    last_rows = load_window(CaptureSource(ledger, "churn", "gbm", by_rows), by_rows)
    assert last_rows.n_labelled == 2500
    assert last_rows.rows["prediction_id"].iloc[0] == "p3500"
    period = load_window(CaptureSource(ledger, "churn", "gbm", by_period), by_period)
    # the newest row is at minute 5999: the last 3,000 minutes start at minute 2999
    assert period.n_labelled == 3001
    assert period.rows["t"].iloc[0] == pd.Timestamp(START + timedelta(minutes=2999))


def test_stored_monitoring_alerts_trigger_until_a_retraining_acts_on_them(ledger: Store) -> None:
    pact = make_pact(extra="  window: {last_rows: 5000}\n").model_copy(deep=True)
    pact = pact.model_copy(
        update={
            "retraining": pact.retraining.model_copy(  # type: ignore[union-attr]
                update={
                    "triggers": pact.retraining.triggers.model_copy(  # type: ignore[union-attr]
                        update={"alerts": ["drift"], "min_new_labels": None}
                    )
                }
            )
        }
    )
    rows = stream(5000, seed=1).drop(columns="t")
    capture(ledger, rows, range(5000))
    feedback(ledger, rows, range(5000))
    ledger.approve_pact("churn", pact, reason="retrain on drift alerts")
    source = CaptureSource(ledger, "churn", "gbm", pact)
    assert not check(ledger, "churn", source, pact=pact).fired  # nothing monitored yet

    model = CaptureStore(ledger).get_model("churn", "gbm")
    alerts = [
        {
            "kind": "drift",
            "chunk_key": "w1",
            "feature": "x1",
            "metric": "ks",
            "severity": "warning",
            "message": "x1 drifted",
        }
    ]
    MonitoringStore(ledger).record_result(
        model, {"status": "alert", "alerts": alerts}, source="service"
    )
    report = check(ledger, "churn", source, pact=pact)
    assert report.fired
    assert report.reasons == ("monitoring raised drift on 1 feature(s) (x1)",)

    # the project's pinned pact changes only by an explicit approval
    ledger.approve_pact("churn", pact, reason="retrain on stored drift alerts")
    result = retrain(ledger, "churn", source, pact=pact)
    assert result.action == "promote", result.summary()
    # that result was acted on: it does not start the loop again
    assert not check(ledger, "churn", source, pact=pact).fired


def test_retrain_command_on_a_captured_model(
    ledger: Store, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))  # the trainer
    monkeypatch.setenv("COLUMNS", "250")
    rows = stream(5000, seed=1).drop(columns="t")
    capture(ledger, rows, range(5000))
    feedback(ledger, rows, range(5000))
    runner = CliRunner()
    out = tmp_path / "retrain.json"
    args = ["retrain", "--project", "churn", "--store", store_url]
    result = runner.invoke(app, [*args, "--model", "gbm", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "captured model churn/gbm" in result.output
    assert json.loads(out.read_text())["window"]["labelled"] == 5000

    for extra, message in (
        ([], "give the training window as either --data FILE or --model NAME"),
        (["--model", "gbm", "--data", "x.csv"], "either --data FILE or --model NAME"),
        (["--model", "xgb"], "project 'churn' has no captured model 'xgb'"),
    ):
        refused = runner.invoke(app, [*args, *extra])
        assert refused.exit_code == 2, refused.output
        assert message in " ".join(refused.output.split())
