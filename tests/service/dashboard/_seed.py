"""A ledger for the dashboard: a project with a champion, captured data that drifts and decays,
stored monitoring results and alerts (made by the service's own analysis), and keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

from modelpact.ledger import MetricValue, open_store
from modelpact.ledger.capture import CaptureStore
from modelpact.ledger.keys import KeyStore
from modelpact.pact import Pact
from modelpact.service import Webhook
from modelpact.service.analysis import AnalysisService
from modelpact.service.delivery import Deliverer
from modelpact.service.validation import validate_feedback, validate_predictions

XSS = "<img src=x onerror=alert(1)>"
START = datetime(2026, 3, 1, tzinfo=UTC)
REFERENCE_DAYS = 7
DRIFT_DAY = 11
DAYS = 15
ROWS_PER_DAY = 300

PACT = Pact.model_validate({
    "name": "churn", "task": "binary", "positive_class": 1,
    "columns": {"target": "churned", "score": "p", "id": "rid", "time": "ts",
                "features": ["x", "plan", XSS]},
    "criteria": [{"metric": "roc_auc", "at_least": 0.7}],
    "monitoring": {"chunk_period": "1d", "multivariate": False},
})


AUDIT: dict[str, Any] = {
    "schema": "modelpact.audit/v1", "verdict": "go_with_fixes", "n_rows": 4200, "n_columns": 5,
    "target": "churned",
    "findings": [{"check": "missing_values", "severity": "warning", "columns": [XSS],
                  "message": f"column '{XSS}' is 12% missing", "fix": "impute or drop it",
                  "rows": [], "n_affected": 504, "details": {}}],
    "checks": {"missing_values": {"status": "ran", "reason": None, "n_findings": 1},
               "split_leakage": {"status": "skipped", "reason": "no test set", "n_findings": 0}},
}


@dataclass(frozen=True)
class Seeded:
    url: str
    root: Path
    key: str
    other_key: str
    run_id: str
    verdict_id: str
    comparison_id: str = ""
    diff_id: str = ""
    retrain_run_ids: tuple[str, ...] = ()


def frames(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predictions over DAYS days (x shifts and labels decouple from DRIFT_DAY on); labels."""
    rng = np.random.default_rng(seed)
    n = DAYS * ROWS_PER_DAY + 20
    ts = [START + timedelta(seconds=float(s)) for s in
          np.sort(rng.uniform(0, DAYS * 86400, n - 20))]
    ts += [START + timedelta(days=DAYS, minutes=i) for i in range(20)]
    day = np.array([(t - START).days for t in ts])
    drifted = day >= DRIFT_DAY
    x = rng.normal(0, 1, n) + np.where(drifted, 1.5, 0.0)
    p = 1 / (1 + np.exp(-2 * x))
    truth = rng.uniform(size=n) < np.where(drifted, 0.5, p)
    predictions = pd.DataFrame({
        "rid": [f"r{i}" for i in range(n)], "ts": pd.to_datetime(ts, utc=True), "x": x,
        "plan": rng.choice(["basic", "gold"], n), XSS: rng.normal(0, 1, n), "p": p})
    labels = pd.DataFrame({"rid": predictions["rid"], "churned": truth.astype(int)})
    return predictions, labels


def _verdict(value: str) -> dict[str, Any]:
    return {"schema": "modelpact.verdict/v1", "verdict": value, "pact": "churn", "n_rows": 900,
            "task": "binary", "confidence": 0.95, "source": "holdout.parquet",
            "criteria": [{"metric": "roc_auc", "label": "roc_auc >= 0.7", "slice": None,
                          "kind": "absolute", "direction": "at_least", "threshold": 0.7,
                          "estimate": 0.84, "ci": [0.81, 0.87], "confidence": 0.95,
                          "status": "pass", "n": 900, "method": "delong", "note": None}]}


def deliver(store: Any) -> None:
    """Deliver the alerts once to a receiver that takes drift alerts and refuses the rest."""

    def receiver(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200 if b'"kind":"drift"' in request.content.replace(b" ", b"")
                              else 500)

    deliverer = Deliverer(store, (Webhook("http://hooks.local/alerts", "secret"),),
                          max_attempts=1, backoff=timedelta(0),
                          transport=httpx.MockTransport(receiver))
    try:
        deliverer.deliver_due()
    finally:
        deliverer.close()


def evaluation(n: int = 600, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Labelled rows with a hostile slice column, and two models' scores on them."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-2 * x))).astype(int)
    data = pd.DataFrame({"rid": np.arange(n), "x": x, XSS: rng.choice(["a", XSS], n),
                         "churned": y})
    a = data[["rid", "churned"]].assign(p=1 / (1 + np.exp(-1.2 * x + rng.normal(0, .8, n))))
    b = data[["rid", "churned"]].assign(p=1 / (1 + np.exp(-2 * x + rng.normal(0, .3, n))))
    return data, a, b


def store_analyses(store: Any) -> tuple[str, str]:
    """A real comparison (one model named like markup) and a real diff, stored in 'churn'."""
    from modelpact.evaluate.compare import compare
    from modelpact.evaluate.diff import diff

    data, a, b = evaluation()
    comparison = compare({"logreg": a, XSS: b}, target="churned", score="p", id="rid",
                         metrics=["roc_auc", "accuracy"], n_resamples=300, seed=0)
    stored = store.record_analysis(project="churn", document=comparison.to_dict(),
                                   outcome=comparison.outcome,
                                   title=f"compare: logreg, {XSS}")
    behaviour = diff(a, b, data, target="churned", id="rid", score="p", slices=[XSS],
                     features=["x", XSS], names=("logreg", XSS), n_resamples=300, seed=0)
    diffed = store.record_analysis(project="churn", document=behaviour.to_dict(),
                                   outcome=behaviour.outcome, title=f"diff: logreg → {XSS}")
    return stored.id, diffed.id


def record_retrainings(store: Any, champion: str) -> tuple[str, ...]:
    """Two retrainings as the loop records them: one held for a person's approval, one
    rejected by the gate (runs, linked windows, challengers, verdicts, events)."""
    data, _, _ = evaluation()
    ids = []
    for i, (decision, gate) in enumerate((("hold", "pass"), ("reject", "fail"))):
        train = store.log_dataset(data.iloc[:400], name=f"churn retraining window {i} (train)")
        holdout = store.log_dataset(data.iloc[400:], name=f"churn retraining holdout {i}")
        run = store.create_run("churn", name="retrain", params={
            "kind": "retrain", "trigger": [f"monitoring raised drift on {XSS}",
                                           "1,200 new labelled rows"],
            "trainer": "trainers:fit", "rule": "roc_auc non-inferior to the champion by 0.02",
            "champion": champion, "holdout_rows": 200, "watermark": '"2026-03-13T00:00:00"',
            "rows_seen": 600})
        store.link_dataset(run.id, train.id, "train")
        store.link_dataset(run.id, holdout.id, "eval")
        version = store.register_model(project="churn", run_id=run.id, model={"w": 2 + i},
                                       name="challenger")
        verdict = _verdict("signed_off" if gate == "pass" else "failed")
        store.record_verdict(project="churn", verdict_json=verdict, model_version_id=version.id,
                             run_id=run.id)
        if decision == "reject":
            store.set_stage(version.id, "retired", reason="rejected: worse than the champion",
                            actor="modelpact retrain")
        store.log_params(run.id, {"decision": decision, "gate": gate, "challenger": version.ref,
                                  "reasons": [f"gate {gate}"]})
        store.finish_run(run.id)
        ids.append(run.id)
    return tuple(ids)


def seed(url: str, root: Path) -> Seeded:
    """Build the ledger; the analysis runs once through the service's AnalysisService."""
    predictions, labels = frames()
    with open_store(url, root=root, create=True) as store:
        store.ensure_project("churn", PACT)
        store.record_audit(project="churn", audit_json=AUDIT)
        run = store.create_run("churn", name="logreg", params={"C": 0.5})
        store.log_metrics(run.id, {"roc_auc": MetricValue("roc_auc", 0.84, 0.81, 0.87, 0.95,
                                                          "delong", 900)})
        version = store.register_model(project="churn", run_id=run.id, model={"w": 1},
                                       name="logreg")
        verdict = store.record_verdict(project="churn", verdict_json=_verdict("signed_off"),
                                       run_id=run.id, model_version_id=version.id)
        store.finish_run(run.id)
        store.set_stage(f"churn:{version.version}", "champion", actor="ana")
        capture = CaptureStore(store)
        model = capture.ensure_model("churn", "gbm", reference_start=START,
                                     reference_end=START + timedelta(days=REFERENCE_DAYS))
        capture.add_predictions(model, validate_predictions(predictions, PACT))
        known = predictions["ts"] < pd.Timestamp(START + timedelta(days=DAYS - 2))
        batch = validate_feedback(labels[known.to_numpy()], PACT)
        capture.add_feedback(model, batch.ids, batch.labels)
        outcome = AnalysisService(store).analyse("churn", "gbm")
        assert outcome.status == "alert", outcome.reason
        deliver(store)
        comparison_id, diff_id = store_analyses(store)
        retrains = record_retrainings(store, f"churn:{version.version}")
        keys = KeyStore(store)
        _, key = keys.create("churn")
        store.ensure_project("fraud")
        _, other = keys.create("fraud")
    return Seeded(url, root, key, other, run.id, verdict.id, comparison_id, diff_id, retrains)
