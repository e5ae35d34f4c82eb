"""End to end on ELEC2 through the service: a live stream, late labels, alerts by webhook.

A model is trained on the first 8,000 half-hours; the next 4,000 are its reference period and
the rest is replayed through :class:`modelpact.client.Client` into a real ``modelpact serve``,
with each label sent once the stream is two days (of data time) past its prediction. The
service's scheduler analyses completed 1,000-row chunks as they fill; a local webhook receiver
must get the drift alerts (the Victorian market's data begins at row 17,423) and the realized
performance alerts (NSW prices change regime from about row 19,500), signed, each once.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from modelpact.client import Client
from modelpact.ledger import open_store
from modelpact.ledger.capture import CaptureStore
from modelpact.ledger.keys import KeyStore
from modelpact.ledger.monitoring import MonitoringStore
from modelpact.pact import Pact
from modelpact.service.webhooks import verify_signature
from tests.conftest import shared_dataset
from tests.service._server import free_port, start_server

pytestmark = pytest.mark.slow

FEATURES = ["day", "period", "nswprice", "nswdemand", "vicprice", "vicdemand", "transfer"]
TRAIN_END, REFERENCE_END = 8000, 12_000
VICTORIA_STARTS = 17_423
LABEL_DELAY = 96  # two days of half-hours
T0 = datetime(2026, 1, 1, tzinfo=UTC)
SECRET = "electricity-secret"


class _Receiver(BaseHTTPRequestHandler):
    got: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.lock:
            type(self).got.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _when(row: int) -> datetime:
    return T0 + timedelta(minutes=30 * row)


def _scored() -> pd.DataFrame:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    data = pd.read_csv(shared_dataset("electricity.csv"))
    train = data.iloc[:TRAIN_END]
    with threadpool_limits(limits=1):
        model = HistGradientBoostingClassifier(max_iter=100, random_state=0).fit(
            train[FEATURES], train["class"] == "UP")
        data["p_up"] = model.predict_proba(data[FEATURES])[:, 1]
    return data


def test_electricity_stream_raises_drift_and_performance_alerts_once_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _scored()
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    pact = Pact.model_validate({
        "name": "electricity", "task": "binary", "positive_class": "UP",
        "columns": {"target": "class", "score": "p_up", "id": "row", "time": "ts",
                    "features": FEATURES},
        "criteria": [{"metric": "roc_auc", "at_least": 0.75},
                     {"metric": "accuracy", "at_least": 0.7}],
        "monitoring": {"chunk_size": 1000, "multivariate": False},
    })
    with open_store(url, root=tmp_path / ".modelpact") as store:
        store.ensure_project("electricity", pact)
        CaptureStore(store).ensure_model("electricity", "hgb", reference_start=_when(TRAIN_END),
                                         reference_end=_when(REFERENCE_END))
        _, key = KeyStore(store).create("electricity")

    _Receiver.got = []
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    monkeypatch.setenv("MP_TEST_WEBHOOK_SECRET", SECRET)
    port = free_port()
    server = start_server(url, tmp_path, port, "--every", "2s", "--webhook",
                          f"http://127.0.0.1:{receiver.server_address[1]}/alerts",
                          "--webhook-secret-env", "MP_TEST_WEBHOOK_SECRET")
    client = Client(f"http://127.0.0.1:{port}", key=key, project="electricity", model="hgb",
                    id_field="row", time_field="ts", score_field="p_up", label_field="class",
                    batch_size=500, flush_interval=0.1, exit_timeout=120)
    rows = data.iloc[TRAIN_END:].reset_index(drop=True)
    features = rows[FEATURES].to_dict("records")
    try:
        for i in range(len(rows)):
            n = TRAIN_END + i
            client.log_prediction(n, features[i], score=float(rows["p_up"].iat[i]),
                                  timestamp=_when(n))
            if i >= LABEL_DELAY:  # the label of the prediction two days earlier arrives
                client.log_feedback(n - LABEL_DELAY, rows["class"].iat[i - LABEL_DELAY])
            if i % 2000 == 0:
                time.sleep(0.2)  # a stream, not one burst: the scheduler sees it grow
        for i in range(max(len(rows) - LABEL_DELAY, 0), len(rows)):
            client.log_feedback(TRAIN_END + i, rows["class"].iat[i])
        assert client.flush(300)
        assert client.stats.dropped == client.stats.rejected == 0
        # wait for the analysis of the final state and the delivery of everything it raised
        complete = (len(rows) - (REFERENCE_END - TRAIN_END)) // 1000 * 1000
        deadline = time.monotonic() + 600
        done = False
        with open_store(url, root=tmp_path / ".modelpact") as store:
            model = CaptureStore(store).get_model("electricity", "hgb")
            monitoring = MonitoringStore(store)
            while time.monotonic() < deadline and not done:
                latest = monitoring.latest_result(model)
                alerts = monitoring.list_alerts("electricity", "hgb")
                done = (latest is not None and latest.body["capture"]["rows"] == complete
                        and latest.body["capture"]["labelled"] == complete
                        and all(a.delivery_status == "delivered" for a in alerts))
                time.sleep(1)
            assert done, "the final analysis or its deliveries did not happen in time"
            time.sleep(5)  # later rounds must not notify again
            alerts = monitoring.list_alerts("electricity", "hgb")
    finally:
        client.close()
        server.kill()
        server.wait(30)
        receiver.shutdown()
        receiver.server_close()

    bodies = [json.loads(body) for _, body in _Receiver.got]
    for headers, body in _Receiver.got:
        assert verify_signature(body, SECRET, headers["X-Modelpact-Timestamp"],
                                headers["X-Modelpact-Signature"])
    ids = [b["id"] for b in bodies]
    assert len(ids) == len(set(ids)) == len(alerts)  # each alert delivered exactly once
    assert {b["event"] for b in bodies} == {"alert"}

    def first_row(alert: dict[str, object]) -> int:
        start = str(alert["chunk_key"]).split(" – ")[0]
        return int((pd.Timestamp(start) - pd.Timestamp(T0)) / pd.Timedelta(minutes=30))

    victoria = [b["alert"] for b in bodies if b["kind"] == "drift"
                and b["alert"]["feature"] in ("vicprice", "vicdemand", "transfer")]
    # no Victorian drift before the chunk in which that market's data begins
    assert victoria and min(first_row(a) for a in victoria) == VICTORIA_STARTS // 1000 * 1000
    performance = [b["alert"] for b in bodies if b["kind"] == "realized_performance"]
    assert performance and {a["metric"] for a in performance} & {"accuracy", "roc_auc"}
    # performance fails where prices change regime, not in the good months before
    assert min(first_row(a) for a in performance) >= 17_000
    assert np.median([first_row(a) for a in performance]) > 19_500
