"""Server time to render the dashboard's model page for 50 features x 365 daily chunks.

A year of synthetic daily production data (50 numeric features, 100 rows a day, a drift in
ten features from day 200, labels for the first 300 days) is monitored once with
:func:`modelpact.monitor.monitor`; the result and its alerts are stored in a SQLite ledger as
the service stores them. Then the model page is requested in-process (the full ASGI stack:
session check, ledger reads, chart building, template rendering), and its wall and CPU time
are reported (median of the repetitions; target under 1 s).

    .venv/bin/python benchmarks/bench_dashboard.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient

from modelpact.ledger import open_store
from modelpact.ledger.capture import CaptureStore
from modelpact.ledger.keys import KeyStore
from modelpact.ledger.monitoring import MonitoringStore
from modelpact.monitor import monitor
from modelpact.pact import Pact
from modelpact.service import ServiceSettings, create_app

FEATURES = [f"f{i:02d}" for i in range(50)]
DAYS, PER_DAY, DRIFT_DAY = 365, 100, 200
START = datetime(2025, 1, 1, tzinfo=UTC)
PACT = Pact.model_validate({
    "name": "bench", "task": "binary", "positive_class": 1,
    "columns": {"target": "y", "score": "p", "id": "rid", "time": "ts", "features": FEATURES},
    "criteria": [{"metric": "roc_auc", "at_least": 0.7}, {"metric": "accuracy",
                                                          "at_least": 0.6}],
    "monitoring": {"chunk_period": "1d", "multivariate": False},
})


def table(n_days: int, start: datetime, rng: np.random.Generator, drift_from: int | None,
          prefix: str) -> pd.DataFrame:
    n = n_days * PER_DAY
    day = np.repeat(np.arange(n_days), PER_DAY)
    x = rng.normal(size=(n, len(FEATURES)))
    if drift_from is not None:
        x[day >= drift_from, :10] += 0.8
    p = 1 / (1 + np.exp(-(x[:, 0] + x[:, 1])))
    frame = pd.DataFrame(x, columns=FEATURES)
    frame.insert(0, "ts", pd.to_datetime([start + timedelta(days=int(d), seconds=int(s))
                                          for d, s in zip(day, rng.uniform(0, 86000, n),
                                                          strict=True)], utc=True))
    frame.insert(0, "rid", [f"{prefix}{i}" for i in range(n)])
    frame["p"] = p
    frame["y"] = (rng.uniform(size=n) < p).astype(int)
    return frame


def seed(url: str, root: Path) -> str:
    rng = np.random.default_rng(0)
    reference = table(60, START - timedelta(days=60), rng, None, "ref")
    analysis = table(DAYS, START, rng, DRIFT_DAY, "ana")
    labels = analysis.loc[analysis["ts"] < pd.Timestamp(START + timedelta(days=300)),
                          ["rid", "y"]]
    started = time.perf_counter()
    result = monitor(PACT, reference, analysis.drop(columns=["y"]), labels=labels,
                     chunk_period="1d")
    print(f"monitored {len(analysis):,} rows in {time.perf_counter() - started:.1f} s: "
          f"{len(result.chunks)} chunks, {len(result.alerts)} alerts")
    with open_store(url, root=root, create=True) as store:
        store.ensure_project("bench", PACT)
        model = CaptureStore(store).ensure_model("bench", "gbm")
        ledger = MonitoringStore(store)
        document = result.to_dict()
        result_id = ledger.record_result(model, document, source="service")
        ledger.raise_alerts(model, result_id, document["alerts"])
        _, key = KeyStore(store).create("bench")
    return key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'ledger.db'}"
        key = seed(url, Path(tmp) / ".modelpact")
        settings = ServiceSettings(store_url=url, root=Path(tmp) / ".modelpact",
                                   schedule=False)
        with TestClient(create_app(settings)) as client:
            headers = {"Authorization": f"Bearer {key}"}
            first = client.get("/projects/bench/models/gbm", headers=headers)
            assert first.status_code == 200, first.text[:500]
            walls, cpus = [], []
            for _ in range(args.repeat):
                wall, cpu = time.perf_counter(), time.process_time()
                response = client.get("/projects/bench/models/gbm", headers=headers)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                assert response.status_code == 200
            size = len(response.content)
    print("| page | features x chunks | wall (median) | CPU (median) | wall (max) | HTML |")
    print("|---|---|---:|---:|---:|---:|")
    print(f"| model page | {len(FEATURES)} x {DAYS} | {statistics.median(walls):.3f} s | "
          f"{statistics.median(cpus):.3f} s | {max(walls):.3f} s | {size / 1e6:.2f} MB |")


if __name__ == "__main__":
    main()
