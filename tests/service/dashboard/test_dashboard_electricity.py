"""ELEC2 in the dashboard: the drift starting with the Victorian market's data, the decay of
the realized performance, and the alerts that went out, seen in a real headless Chromium.

The captured stream is stored through the service's own validation and capture code and
analysed by its scheduled analysis in 1,000-row chunks (the stream itself, through the client
and a live server, is tested with the service). The model page's screenshot is kept in
``.screenshots/electricity-model.png``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from modelpact.ledger import open_store
from modelpact.ledger.capture import CaptureStore
from modelpact.ledger.keys import KeyStore
from modelpact.ledger.monitoring import MonitoringStore
from modelpact.pact import Pact
from modelpact.report.charts import drift_matrix
from modelpact.service import Webhook
from modelpact.service.analysis import AnalysisService
from modelpact.service.delivery import Deliverer
from modelpact.service.validation import validate_feedback, validate_predictions
from tests.service.dashboard._browser import (
    charts_drawn,
    console_errors,
    log_in,
    needs_chromium,
    shot,
)
from tests.service.dashboard._seed import Seeded
from tests.service.test_electricity_service import (
    FEATURES,
    REFERENCE_END,
    TRAIN_END,
    VICTORIA_STARTS,
    _scored,
    _when,
)

pytestmark = [pytest.mark.slow, *needs_chromium]

PACT = Pact.model_validate({
    "name": "electricity", "task": "binary", "positive_class": "UP",
    "columns": {"target": "class", "score": "p_up", "id": "row", "time": "ts",
                "features": FEATURES},
    "criteria": [{"metric": "roc_auc", "at_least": 0.75}, {"metric": "accuracy",
                                                           "at_least": 0.7}],
    "monitoring": {"chunk_size": 1000, "multivariate": False},
})


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """The electricity ledger (the browser fixtures serve whatever ``seeded`` names)."""
    tmp: Path = tmp_path_factory.mktemp("electricity")
    url, root = f"sqlite:///{tmp / 'ledger.db'}", tmp / ".modelpact"
    data = _scored().iloc[TRAIN_END:].reset_index(drop=True)
    data["row"] = [str(TRAIN_END + i) for i in range(len(data))]
    data["ts"] = pd.to_datetime([_when(TRAIN_END + i) for i in range(len(data))], utc=True)
    with open_store(url, root=root, create=True) as store:
        store.ensure_project("electricity", PACT)
        capture = CaptureStore(store)
        model = capture.ensure_model("electricity", "hgb", reference_start=_when(TRAIN_END),
                                     reference_end=_when(REFERENCE_END))
        capture.add_predictions(model, validate_predictions(
            data[["row", "ts", *FEATURES, "p_up"]], PACT))
        labels = validate_feedback(data[["row", "class"]], PACT)
        capture.add_feedback(model, labels.ids, labels.labels)
        assert AnalysisService(store).analyse("electricity", "hgb").status == "alert"
        deliverer = Deliverer(store, (Webhook("http://hooks.local/alerts", "s"),),
                              transport=httpx.MockTransport(lambda _: httpx.Response(200)))
        while deliverer.deliver_due():
            pass
        deliverer.close()
        _, key = KeyStore(store).create("electricity")
    return Seeded(url, root, key, key, "", "")


def _figure(driver: Any, name: str) -> dict[str, Any]:
    script = driver.find_element("id", f"fig-{name}")
    figure: dict[str, Any] = json.loads(script.get_attribute("textContent"))
    return figure


def test_electricity_shows_drift_decay_and_delivered_alerts(
        browser: Any, base_url: str, seeded: Seeded) -> None:
    log_in(browser, base_url, seeded.key, "/projects/electricity/models/hgb")
    browser.get_log("browser")
    browser.get(f"{base_url}/projects/electricity/models/hgb")
    assert charts_drawn(browser) == 4  # heatmap, roc_auc, accuracy, alert timeline
    assert browser.find_element("id", "model-state").text.lower() == "alert"
    shot(browser, "electricity-model")
    shot(browser, "electricity-first-screen", first_screen=True)
    assert console_errors(browser) == []

    with open_store(seeded.url, root=seeded.root) as store:
        latest = MonitoringStore(store).latest_result(
            CaptureStore(store).get_model("electricity", "hgb"))
        alerts = MonitoringStore(store).list_alerts("electricity", "hgb")
    assert latest is not None
    features, keys, ratios = drift_matrix(latest.body)
    row = ratios[features.index("vicprice")]
    first_red = next(j for j, r in enumerate(row) if r is not None and r > 1)
    chunk = latest.body["chunks"][first_red]
    # the first chunk whose drift crosses the threshold holds the first Victorian row
    start = (REFERENCE_END + chunk["start_row"], REFERENCE_END + chunk["stop_row"])
    assert start[0] <= VICTORIA_STARTS < start[1]
    # the page draws exactly these cells
    heatmap = _figure(browser, "heatmap")["data"][0]
    assert heatmap["y"] == features and len(heatmap["x"]) == len(keys)
    # every alert went out, and the page says so
    assert alerts and {a.delivery_status for a in alerts} == {"delivered"}
    # the first screen says how often the pact failed, not only the latest chunk
    performance = [a for a in alerts if a.kind == "realized_performance"]
    failed = {a.body["chunk_key"] for a in performance if a.body.get("metric") == "accuracy"}
    pact_line = browser.find_element("id", "pact-line").text
    assert f"failed on {len(failed)} of " in pact_line
    table = browser.find_element("id", "alerts").text
    assert "realized_performance" in table and "delivered" in table
