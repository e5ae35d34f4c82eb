"""Scheduled analysis over captured data, alert dedup and reminders, signed webhook delivery."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from fastapi.testclient import TestClient

from modelpact.ledger import Store, open_store
from modelpact.ledger.capture import CaptureStore
from modelpact.ledger.monitoring import MonitoringStore
from modelpact.pact.model import WebhookConfig
from modelpact.service import ServiceSettings, Webhook, create_app
from modelpact.service.analysis import AnalysisService
from modelpact.service.delivery import Deliverer
from modelpact.service.webhooks import verify_signature
from tests.service._synth import (
    DAYS,
    DRIFT_DAY,
    PACT,
    REFERENCE_DAYS,
    START,
    frames,
    prepare,
)

SECRET = "s3cret"


@pytest.fixture
def ledger(store_url: str, tmp_path: Path) -> Iterator[Store]:
    prepare(store_url, tmp_path / ".modelpact", labels_until_day=DAYS - 2)
    with open_store(store_url, root=tmp_path / ".modelpact") as store:
        yield store


def _day(key: str) -> int:
    return (int(key[-2:]) - START.day)


def test_drift_and_performance_alerts_on_the_shifted_days_only(ledger: Store) -> None:
    outcome = AnalysisService(ledger).analyse("churn", "gbm")
    assert outcome.status == "alert" and outcome.document is not None
    alerts = outcome.document["alerts"]
    drift_days = {_day(a["chunk_key"]) for a in alerts if a["kind"] == "drift"
                  and a["feature"] == "x"}
    assert drift_days == set(range(DRIFT_DAY, DAYS))
    realized = {_day(a["chunk_key"]) for a in alerts if a["kind"] == "realized_performance"}
    # labels arrived up to two days before the end: the last two days have none yet
    assert realized == set(range(DRIFT_DAY, DAYS - 2))
    # the chunk still filling (the day after the last full one) is not analysed
    analysed = [c["key"] for c in outcome.document["chunks"]]
    assert analysed[0] == "2026-03-08" and analysed[-1] == f"2026-03-{DAYS:02d}"
    assert outcome.document["capture"]["labelled"] < outcome.document["capture"]["rows"]


def test_alerts_are_stored_once_and_new_labels_add_only_new_alerts(ledger: Store) -> None:
    service = AnalysisService(ledger)
    first = service.analyse("churn", "gbm")
    assert len(first.new_alerts) == first.n_alerts > 0
    assert service.analyse("churn", "gbm").status == "skipped"  # nothing new
    again = service.analyse("churn", "gbm", force=True)
    assert again.status == "alert" and again.new_alerts == ()
    # the late labels arrive: the last two days' performance alerts appear, once
    _, labels = frames()
    capture = CaptureStore(ledger)
    model = capture.get_model("churn", "gbm")
    capture.add_feedback(model, labels["rid"].tolist(), labels["churned"].astype(str).tolist())
    late = service.analyse("churn", "gbm")
    assert {(a.kind, _day(a.body["chunk_key"])) for a in late.new_alerts} == {
        ("realized_performance", DAYS - 2), ("realized_performance", DAYS - 1)}
    stored = MonitoringStore(ledger).list_alerts("churn", "gbm")
    assert len(stored) == first.n_alerts + 2
    assert {a.delivery_status for a in stored} == {"pending"}


def test_delivery_signs_retries_with_backoff_and_reminds(ledger: Store) -> None:
    AnalysisService(ledger).analyse("churn", "gbm")
    received: list[httpx.Request] = []
    down = {"count": 2}

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        if down["count"] > 0:
            down["count"] -= 1
            return httpx.Response(503)
        return httpx.Response(204)

    hooks = (Webhook("http://hooks.local/a", SECRET), Webhook("http://hooks.local/s", SECRET,
                                                              "slack"))
    deliverer = Deliverer(ledger, hooks, max_attempts=3, backoff=timedelta(0),
                          transport=httpx.MockTransport(receiver))
    monitoring = MonitoringStore(ledger)
    n_alerts = len(monitoring.list_alerts("churn", "gbm"))
    rounds = 0
    while monitoring.due() and rounds < 5:
        deliverer.deliver_due()
        rounds += 1
    alerts = monitoring.list_alerts("churn", "gbm")
    assert {a.delivery_status for a in alerts} == {"delivered"}
    # the two failures were retried; then each alert reached each hook exactly once
    ok = [r for r in received[2:]]
    assert len(ok) == 2 * n_alerts
    for request in received:
        assert verify_signature(request.content, SECRET,
                                request.headers["X-Modelpact-Timestamp"],
                                request.headers["X-Modelpact-Signature"])
    generic = [json.loads(r.content) for r in ok if r.url.path == "/a"]
    slack = [json.loads(r.content) for r in ok if r.url.path == "/s"]
    assert {d["schema"] for d in generic} == {"modelpact.alert/v1"}
    assert len({d["id"] for d in generic}) == n_alerts
    assert all(d["text"].startswith(":rotating_light: [critical] churn/gbm") for d in slack)
    retried = [a for a in alerts if len(monitoring.deliveries(a.id)) > 2]
    assert retried and not monitoring.deliveries(retried[0].id)[0].ok
    # still raised after the quiet time: one reminder each
    received.clear()
    AnalysisService(ledger, reminder_after=timedelta(0)).analyse("churn", "gbm", force=True)
    deliverer.deliver_due()
    assert len(received) == 2 * n_alerts
    assert {json.loads(r.content)["event"] for r in received if r.url.path == "/a"} == {
        "reminder"}


def test_an_unreachable_webhook_fails_after_its_attempts(ledger: Store) -> None:
    AnalysisService(ledger).analyse("churn", "gbm")

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    deliverer = Deliverer(ledger, (Webhook("http://hooks.local/a", SECRET),), max_attempts=2,
                          backoff=timedelta(0), transport=httpx.MockTransport(refuse))
    deliverer.deliver_due()
    deliverer.deliver_due()
    alerts = MonitoringStore(ledger).list_alerts("churn", "gbm")
    assert {a.delivery_status for a in alerts} == {"failed"}
    assert "ConnectError" in (MonitoringStore(ledger).deliveries(alerts[0].id)[0].error or "")


class _Receiver(BaseHTTPRequestHandler):
    got: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    arrived = threading.Event()
    gate = threading.Event()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).arrived.set()
        type(self).gate.wait(60)  # hangs until the test lets it answer
        type(self).got.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_the_service_schedules_analysis_and_delivers_each_alert_once(
    tmp_path: Path, store_url: str
) -> None:
    key = prepare(store_url, tmp_path / ".modelpact")
    _Receiver.got = []
    _Receiver.arrived.clear()
    _Receiver.gate.clear()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = Webhook(f"http://127.0.0.1:{receiver.server_address[1]}/hook", SECRET)
    settings = ServiceSettings(store_url=store_url, root=tmp_path / ".modelpact",
                               analysis_interval=timedelta(seconds=0.2), webhooks=(hook,),
                               lease_ttl=timedelta(seconds=5),
                               delivery_backoff=timedelta(seconds=0.1))
    try:
        with TestClient(create_app(settings)) as client:
            assert _Receiver.arrived.wait(120), "the scheduler delivered nothing"
            # the receiver hangs on the first alert: ingestion is not held up by it
            batch = [{"rid": f"new{i}", "ts": "2026-03-20T00:00:00Z", "x": 0.1, "plan": "gold",
                      "p": 0.5} for i in range(3)]
            response = client.post("/api/v1/projects/churn/models/gbm/predictions", json=batch,
                                   headers={"Authorization": f"Bearer {key}"})
            assert response.status_code == 200 and not _Receiver.gate.is_set()
            _Receiver.gate.set()
            deadline = time.monotonic() + 120
            expected = None
            while time.monotonic() < deadline:
                alerts = client.get("/api/v1/projects/churn/models/gbm/alerts",
                                    headers={"Authorization": f"Bearer {key}"}).json()
                expected = len(alerts)
                if alerts and all(a["delivery_status"] == "delivered" for a in alerts):
                    break
                time.sleep(0.2)
            time.sleep(1)  # a later round must not send anything again
            metrics = client.get("/metrics").text
            latest = client.get("/api/v1/projects/churn/models/gbm/monitoring",
                                headers={"Authorization": f"Bearer {key}"}).json()
    finally:
        _Receiver.gate.set()
        receiver.shutdown()
        receiver.server_close()
    assert expected and len(_Receiver.got) == expected
    ids = [json.loads(body)["id"] for _, body in _Receiver.got]
    assert len(set(ids)) == expected
    for headers, body in _Receiver.got:
        assert verify_signature(body, SECRET, headers["X-Modelpact-Timestamp"],
                                headers["X-Modelpact-Signature"])
    assert latest["status"] == "alert" and latest["result"]["schema"] == "modelpact.monitor/v1"
    assert 'modelpact_analysis_runs_total{model="gbm",outcome="alert",project="churn"}' in metrics
    # every prediction is labelled but the 20 after the last full day (now analysed, since
    # the batch posted above started a later day)
    coverage = re.search(r'modelpact_label_coverage\{model="gbm",project="churn"\} (\S+)', metrics)
    predictions, _ = frames()
    analysed = int((predictions["ts"] >= START + timedelta(days=REFERENCE_DAYS)).sum())
    assert coverage and float(coverage.group(1)) == pytest.approx(1 - 20 / analysed)
    assert 'modelpact_alerts_delivered_total{outcome="ok"}' in metrics


def test_one_scheduler_per_store_and_another_takes_over(store_url: str, tmp_path: Path) -> None:
    prepare(store_url, tmp_path / ".modelpact")
    settings = ServiceSettings(store_url=store_url, root=tmp_path / ".modelpact",
                               analysis_interval=timedelta(seconds=30),
                               lease_ttl=timedelta(seconds=5))
    first, second = create_app(settings), create_app(settings)
    with TestClient(second):
        with TestClient(first):
            a, b = first.state.scheduler, second.state.scheduler
            deadline = time.monotonic() + 60
            while not (a.holding.is_set() or b.holding.is_set()) and time.monotonic() < deadline:
                time.sleep(0.05)
            for _ in range(20):  # never both, at any moment observed
                assert a.holding.is_set() != b.holding.is_set()
                time.sleep(0.05)
            first_held = a.holding.is_set()
        if first_held:  # the first process stopped and released its lease: the second takes it
            deadline = time.monotonic() + 60
            while not b.holding.is_set() and time.monotonic() < deadline:
                time.sleep(0.05)
        assert b.holding.is_set()


def test_webhooks_named_in_the_pact_get_the_projects_alerts(ledger: Store) -> None:
    pact = PACT.model_copy(update={"monitoring": PACT.monitoring.model_copy(update={
        "webhooks": [WebhookConfig(url="http://hooks.local/pact", format="slack",
                                   secret_env="CHURN_HOOK_SECRET"),
                     WebhookConfig(url="http://hooks.local/unsigned", secret_env="NOT_SET")]})})
    # the project's pact is pinned: its new webhooks apply once the change is approved
    ledger.approve_pact("churn", pact, reason="send the alerts to the team's hooks")
    outcome = AnalysisService(ledger, notify=False).analyse("churn", "gbm")
    assert outcome.n_alerts and {a.delivery_status for a in outcome.new_alerts} == {"pending"}
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200)

    deliverer = Deliverer(ledger, (), max_attempts=1, backoff=timedelta(0),
                          transport=httpx.MockTransport(receiver),
                          secrets={"CHURN_HOOK_SECRET": SECRET})
    deliverer.deliver_due()
    assert {r.url.path for r in received} == {"/pact"} and len(received) == outcome.n_alerts
    assert all(verify_signature(r.content, SECRET, r.headers["X-Modelpact-Timestamp"],
                                r.headers["X-Modelpact-Signature"]) for r in received)
    # the hook whose secret is not in the environment is never sent to, and says why
    alerts = MonitoringStore(ledger).list_alerts("churn", "gbm")
    assert {a.delivery_status for a in alerts} == {"failed"}
    errors = {d.error for d in MonitoringStore(ledger).deliveries(alerts[0].id) if not d.ok}
    assert any("no signing secret" in (e or "") for e in errors)


def _remind_round(ledger: Store, scheduler: object, quiet: timedelta) -> set[str]:
    """Mark every alert delivered *quiet* ago, re-run the scheduled analysis: notify kinds."""
    from datetime import UTC, datetime

    from sqlalchemy import delete, update

    from modelpact.ledger.capture_schema import AlertRow, MonitoringResultRow

    with ledger.engine.begin() as conn:
        conn.execute(update(AlertRow.__table__).values(
            delivery_status="delivered", notify_kind="first",
            notified_at=datetime.now(UTC) - quiet))
        # forget the last result, so the analysis runs again over the same data
        conn.execute(delete(MonitoringResultRow.__table__))
    outcomes = scheduler.run_all()  # type: ignore[attr-defined]
    assert [o.status for o in outcomes] == ["alert"]
    return {a.delivery_status for a in MonitoringStore(ledger).list_alerts("churn", "gbm")}


def test_the_pacts_remind_after_sets_the_quiet_time_unless_the_command_line_does(
        ledger: Store) -> None:
    from modelpact.ledger.keys import KeyCache, KeyStore
    from modelpact.service.context import Services
    from modelpact.service.ingest import IngestService
    from modelpact.service.metrics import ServiceMetrics
    from modelpact.service.scheduler import Scheduler

    pact = PACT.model_copy(update={"monitoring": PACT.monitoring.model_copy(
        update={"remind_after": "3h"})})
    ledger.approve_pact("churn", pact, reason="remind the team every three hours")

    def scheduler(override: timedelta | None) -> Scheduler:
        settings = ServiceSettings(store_url=str(ledger.engine.url), schedule=False,
                                   webhooks=(Webhook("http://hooks.local/a", SECRET),),
                                   reminder_after=override)
        metrics = ServiceMetrics()
        keys = KeyStore(ledger)
        return Scheduler(Services(settings=settings, store=ledger, keys=keys,
                                  key_cache=KeyCache(keys), ingest=IngestService(ledger, metrics), metrics=metrics))

    by_pact = scheduler(None)
    by_pact.run_all()
    # quiet for 2 hours: under the pact's 3 hours, nothing is due again
    assert _remind_round(ledger, by_pact, timedelta(hours=2)) == {"delivered"}
    # quiet for 4 hours: over it, every alert is due as a reminder
    assert _remind_round(ledger, by_pact, timedelta(hours=4)) == {"pending"}
    kinds = {a.notify_kind for a in MonitoringStore(ledger).list_alerts("churn", "gbm")}
    assert kinds == {"reminder"}
    # --remind-after 1h overrides the pact: 2 hours of quiet is enough
    assert _remind_round(ledger, scheduler(timedelta(hours=1)), timedelta(hours=2)) == {
        "pending"}
    # without the pact's value, the default of a day applies
    ledger.approve_pact("churn", PACT, reason="back to the default")
    assert _remind_round(ledger, scheduler(None), timedelta(hours=4)) == {"delivered"}
    assert _remind_round(ledger, scheduler(None), timedelta(hours=25)) == {"pending"}


def test_remind_after_in_a_pact_must_be_a_period() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="not a period"):
        PACT.monitoring.model_validate({"remind_after": "soon"})
    assert PACT.monitoring.model_validate({"remind_after": "12h"}).remind_after == "12h"


def test_pact_schema_documents_remind_after() -> None:
    from modelpact.pact import pact_schema

    text = json.dumps(pact_schema())
    assert '"remind_after"' in text and "--remind-after' overrides it" in text
