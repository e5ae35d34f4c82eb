"""Every status code of the ingestion API, through FastAPI's TestClient."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pyarrow as pa
import pytest

from modelpact.ledger import open_store
from modelpact.ledger.capture import CaptureStore
from tests.service.conftest import Served, rows

PREDICTIONS = "/api/v1/projects/churn/models/gbm/predictions"
FEEDBACK = "/api/v1/projects/churn/models/gbm/feedback"


def _stored(served: Served) -> pd.DataFrame:
    with open_store(served.url, root=served.root) as store:
        capture = CaptureStore(store)
        return capture.frame(capture.get_model("churn", "gbm"))


def test_a_json_batch_is_stored_once_even_when_resent(served: Served) -> None:
    body = json.dumps(rows(5))
    first = served.client.post(PREDICTIONS, content=body, headers=served.headers())
    again = served.client.post(PREDICTIONS, content=body, headers=served.headers())
    assert first.status_code == 200 and first.json() == {"received": 5, "new": 5}
    assert again.status_code == 200 and again.json() == {"received": 5, "new": 0}
    stored = _stored(served)
    assert stored["prediction_id"].tolist() == [f"r{i}" for i in range(5)]
    assert stored["age"].tolist() == [20, 21, 22, 23, 24]
    assert stored["score"].tolist() == [0.0, 0.1, 0.2, 0.3, 0.4]


@pytest.mark.parametrize("media_type", ["application/vnd.apache.parquet",
                                        "application/vnd.apache.arrow.stream",
                                        "application/vnd.apache.arrow.file"])
def test_parquet_and_arrow_bodies(served: Served, media_type: str) -> None:
    frame = pd.DataFrame(rows(4))
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = io.BytesIO()
    if media_type.endswith("parquet"):
        frame.to_parquet(sink, index=False)
    else:
        opener = pa.ipc.new_stream if media_type.endswith("stream") else pa.ipc.new_file
        with opener(sink, table.schema) as writer:
            writer.write_table(table)
    response = served.client.post(PREDICTIONS, content=sink.getvalue(),
                                  headers=served.headers(content_type=media_type))
    assert response.status_code == 200, response.text
    assert _stored(served)["plan"].tolist() == ["basic", "gold", "gold", "basic"]


def test_feedback_before_and_after_its_predictions_is_joined(served: Served) -> None:
    early = [{"request_id": "r3", "churned": 1}]
    assert served.client.post(FEEDBACK, json=early, headers=served.headers()).json() == {
        "received": 1, "new": 1}
    served.client.post(PREDICTIONS, json=rows(5), headers=served.headers())
    late = [{"request_id": "r1", "churned": 0}]
    assert served.client.post(FEEDBACK, json=late, headers=served.headers()).status_code == 200
    assert _stored(served)["label"].tolist() == [None, 0, None, 1, None]


@pytest.mark.parametrize(("change", "message"), [
    ({"p_churn": 1.5}, r"row 2: field 'p_churn' \(score\) must be a probability in \[0, 1\]"),
    ({"p_churn": "high"}, r"row 2: field 'p_churn' \(score\) must be a number"),
    ({"ts": "yesterday"}, r"row 2: field 'ts' \(timestamp\) must be an ISO 8601 time"),
    ({"request_id": "r0"}, r"row 2: prediction id 'r0' repeats row 0"),
    ({"age": [1, 2]}, r"row 2: field 'age' \(feature\) must be a string, number"),
    ({"colour": "red"}, r"field 'colour' is not a feature of the pact"),
    ({"churned": 1}, r"field 'churned' is the pact's target"),
    ({"request_id": None}, r"row 2: field 'request_id' \(prediction id\) is missing"),
])
def test_a_row_that_breaks_the_pact_is_422_and_nothing_is_written(
    served: Served, change: dict[str, object], message: str
) -> None:
    batch = rows(4)
    batch[2].update(change)
    response = served.client.post(PREDICTIONS, json=batch, headers=served.headers())
    assert response.status_code == 422
    assert len(_stored(served)) == 0
    assert re.search(message, response.json()["error"]["message"]), response.json()


def test_missing_feature_and_bad_label_are_422(served: Served) -> None:
    batch = [{k: v for k, v in r.items() if k != "plan"} for r in rows(2)]
    response = served.client.post(PREDICTIONS, json=batch, headers=served.headers())
    assert response.status_code == 422
    assert "field 'plan' (feature) is missing from every row" in response.text
    response = served.client.post(FEEDBACK, json=[{"request_id": "r1", "churned": {"a": 1}}],
                                  headers=served.headers())
    assert response.status_code == 422 and "field 'churned' (label)" in response.text
    bad_json = served.client.post(PREDICTIONS, content=b"{not json", headers=served.headers())
    assert bad_json.status_code == 422 and "not valid JSON" in bad_json.text


def test_body_over_the_limit_is_413(served: Served) -> None:
    response = served.client.post(PREDICTIONS, json=rows(2000), headers=served.headers())
    assert response.status_code == 413 and "over the limit of 64000" in response.text
    assert len(_stored(served)) == 0


def test_other_media_types_are_415(served: Served) -> None:
    response = served.client.post(PREDICTIONS, content=b"a,b\n1,2",
                                  headers=served.headers(content_type="text/csv"))
    assert response.status_code == 415


def test_unknown_project_or_model_is_404(served: Served) -> None:
    unknown_model = PREDICTIONS.replace("/gbm/", "/gmb/")
    response = served.client.post(unknown_model, json=rows(1), headers=served.headers())
    assert response.status_code == 404 and "did you mean 'gbm'" in response.text
    with open_store(served.url, root=served.root) as store:
        from modelpact.ledger.keys import KeyStore

        _, lonely = KeyStore(store).create("lonely")  # a project without captured models
    response = served.client.post("/api/v1/projects/lonely/models/gbm/predictions",
                                  json=rows(1), headers=served.headers(lonely))
    assert response.status_code == 404


def test_keys_missing_wrong_revoked_or_of_another_project(served: Served) -> None:
    none = served.client.post(PREDICTIONS, json=rows(1))
    assert none.status_code == 401 and none.headers["www-authenticate"] == "Bearer"
    wrong = served.client.post(PREDICTIONS, json=rows(1), headers=served.headers("mp_x_y"))
    assert wrong.status_code == 401
    other = served.client.post(PREDICTIONS, json=rows(1), headers=served.headers(served.other_key))
    assert other.status_code == 403
    with open_store(served.url, root=served.root) as store:
        from modelpact.ledger.keys import KeyStore

        keys = KeyStore(store)
        keys.revoke(keys.list("churn")[0].prefix)
    revoked = served.client.post(FEEDBACK, json=[{"request_id": "r", "churned": 1}],
                                 headers=served.headers())
    assert revoked.status_code == 401
    assert len(_stored(served)) == 0


def test_health_readiness_and_metrics(served: Served) -> None:
    assert served.client.get("/healthz").json() == {"status": "ok"}
    assert served.client.get("/readyz").status_code == 200
    served.client.post(PREDICTIONS, json=rows(3), headers=served.headers())
    bad = rows(2)
    bad[1]["p_churn"] = 2.0
    served.client.post(PREDICTIONS, json=bad, headers=served.headers())
    text = served.client.get("/metrics").text
    assert 'modelpact_rows_ingested_total{kind="prediction",model="gbm",project="churn"} 3.0' in text
    assert 'modelpact_rows_rejected_total{kind="prediction",status="422"} 2.0' in text
    assert "modelpact_request_duration_seconds_bucket" in text
    assert 'route="/api/v1/projects/{project}/models/{model}/predictions"' in text


def test_readiness_fails_when_the_database_is_gone(served: Served) -> None:
    served.client.app.state.services.store.engine.dispose()  # type: ignore[attr-defined]
    from pathlib import Path

    Path(served.url.removeprefix("sqlite:///")).unlink()
    Path(served.url.removeprefix("sqlite:///")).mkdir()  # a directory cannot be opened
    assert served.client.get("/readyz").status_code == 503


def test_openapi_documents_the_api(served: Served) -> None:
    spec = served.client.get("/openapi.json").json()
    post = spec["paths"]["/api/v1/projects/{project}/models/{model}/predictions"]["post"]
    assert {"200", "401", "403", "404", "413", "415", "422"} <= set(post["responses"])
    assert "application/vnd.apache.parquet" in post["requestBody"]["content"]
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
