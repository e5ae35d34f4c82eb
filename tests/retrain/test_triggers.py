"""Triggers fire for the reasons the pact declares, and say why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from modelpact.errors import InvalidDataError
from modelpact.pact import RetrainTriggers, RetrainWindow
from modelpact.retrain import FileSource, LastRetraining, check_triggers, load_window
from tests.retrain.conftest import make_pact, stream

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _window(tmp_path: Path, frame: pd.DataFrame, **window: int | str) -> object:
    path = tmp_path / "w.csv"
    frame.to_csv(path, index=False)
    return load_window(FileSource([path]), make_pact(), RetrainWindow.model_validate(window))


def _drift(feature: str | None) -> dict[str, object]:
    return {"kind": "drift", "feature": feature, "metric": "jensen_shannon"}


def test_drift_needs_k_features_or_the_multivariate_check(tmp_path: Path) -> None:
    window = _window(tmp_path, stream(100))
    triggers = RetrainTriggers(alerts=["drift"], min_drifted_features=2)
    one = check_triggers(triggers, window, last=None, now=NOW, alerts=[_drift("x1")] * 3)
    assert not one.fired and "drift needs 2 drifted features" in one.summary()
    two = check_triggers(triggers, window, last=None, now=NOW, alerts=[_drift("x1"), _drift("x2")])
    assert two.fired and two.reasons == ("monitoring raised drift on 2 feature(s) (x1, x2)",)
    multi = check_triggers(triggers, window, last=None, now=NOW, alerts=[_drift(None)])
    assert multi.fired and "multivariate drift" in multi.reasons[0]


def test_performance_alerts_fire_only_for_declared_kinds(tmp_path: Path) -> None:
    window = _window(tmp_path, stream(100))
    alert = {"kind": "realized_performance", "metric": "accuracy"}
    declared = RetrainTriggers(alerts=["realized_performance"])
    report = check_triggers(declared, window, last=None, now=NOW, alerts=[alert])
    assert report.fired and report.exit_code == 1
    assert report.reasons == ("monitoring raised 1 realized_performance alert(s) on accuracy",)
    other = RetrainTriggers(alerts=["estimated_performance"])
    quiet = check_triggers(other, window, last=None, now=NOW, alerts=[alert])
    assert not quiet.fired and quiet.exit_code == 0
    assert "alerts seen: realized_performance" in quiet.summary()


def test_schedule(tmp_path: Path) -> None:
    window = _window(tmp_path, stream(100))
    triggers = RetrainTriggers(every="30d")
    recent = LastRetraining(at=NOW - timedelta(days=10))
    old = LastRetraining(at=NOW - timedelta(days=31))
    assert not check_triggers(triggers, window, last=recent, now=NOW).fired
    assert check_triggers(triggers, window, last=old, now=NOW).fired
    assert check_triggers(triggers, window, last=None, now=NOW).fired


def test_new_rows_and_labels_count_from_the_watermark(tmp_path: Path) -> None:
    frame = stream(1000)
    frame.loc[900:, "y"] = None  # the newest labels have not arrived
    window = _window(tmp_path, frame)
    last = LastRetraining(at=NOW, watermark=499, rows_seen=500)
    rows = check_triggers(RetrainTriggers(every_rows=500), window, last=last, now=NOW)
    assert rows.fired and rows.new_rows == 500
    labels = check_triggers(RetrainTriggers(min_new_labels=500), window, last=last, now=NOW)
    assert not labels.fired and labels.new_labels == 400
    assert "400 new labelled rows after 499, threshold 500" in labels.summary()


def test_without_a_time_column_the_source_is_append_only(tmp_path: Path) -> None:
    frame = stream(1000).drop(columns="t")
    path = tmp_path / "w.csv"
    frame.to_csv(path, index=False)
    pact = make_pact().model_copy(
        update={"columns": make_pact().columns.model_copy(update={"time": None})}
    )
    window = load_window(FileSource([path]), pact)
    last = LastRetraining(at=NOW, rows_seen=700)
    report = check_triggers(RetrainTriggers(every_rows=300), window, last=last, now=NOW)
    assert report.fired and report.new_rows == 300


def test_force_and_nothing_declared(tmp_path: Path) -> None:
    window = _window(tmp_path, stream(100))
    assert check_triggers(RetrainTriggers(), window, last=None, now=NOW, force=True).fired
    none = check_triggers(RetrainTriggers(), window, last=None, now=NOW)
    assert not none.fired and "no trigger is declared" in none.summary()


def test_window_is_time_ordered_labelled_and_cut(tmp_path: Path) -> None:
    frame = stream(1000).sample(frac=1.0, random_state=0)  # arrives shuffled
    frame.loc[frame["t"] >= 990, "y"] = None
    window = _window(tmp_path, frame, last_rows=300)
    assert window.rows["t"].tolist() == list(range(690, 990))
    train, holdout = window.split(100)
    assert train["t"].max() < holdout["t"].min()
    assert holdout["t"].tolist() == list(range(890, 990))
    assert window.watermark() == 999
    with pytest.raises(InvalidDataError, match="cannot hold a holdout of 295 rows"):
        window.split(295)


def test_window_by_period_and_mismatched_files(tmp_path: Path) -> None:
    frame = stream(200).assign(
        t=lambda f: pd.Timestamp("2026-01-01") + pd.to_timedelta(f["t"], "D")
    )
    path = tmp_path / "dated.csv"
    frame.to_csv(path, index=False)
    window = load_window(FileSource([path]), make_pact(), RetrainWindow(last="30d"))
    assert len(window.rows) == 31
    other = tmp_path / "other.csv"
    frame.drop(columns="x3").to_csv(other, index=False)
    with pytest.raises(InvalidDataError, match=r"other\.csv: lacks column 'x3'"):
        load_window(FileSource([path, other]), make_pact())
