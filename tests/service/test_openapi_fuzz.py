"""A bounded schemathesis run over the OpenAPI spec: whatever arrives, no 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelpact.service import ServiceSettings, create_app
from tests.service.conftest import prepare_ledger

# Rows with the pact's fields holding any JSON value: reaches every check of validation.
_FIELDS = ["request_id", "ts", "age", "plan", "p_churn", "predicted", "churned", "other"]
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["2026-03-01T00:00:00Z", "r1", "0.5"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                               max_size=3),
    max_leaves=5)
_ROW = st.dictionaries(st.sampled_from(_FIELDS), _JSON, max_size=len(_FIELDS))
KEY: dict[str, str] = {}  # the churn key, made once the module's ledger exists


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{tmp / 'ledger.db'}"
    KEY["churn"], _ = prepare_ledger(url, tmp / ".modelpact")
    application = create_app(ServiceSettings(store_url=url, root=tmp / ".modelpact",
                                             schedule=False, max_body_bytes=20_000))
    with TestClient(application):  # runs the lifespan: the ledger stays open for the module
        yield application


def test_no_request_gets_a_server_error(app: FastAPI) -> None:
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 5
    seen: set[int] = set()
    for operation in operations:

        @given(case=operation.as_strategy(), with_key=st.integers(0, 3).map(bool),
               ours=st.integers(0, 3).map(bool),
               rows=st.one_of(st.none(), st.lists(_ROW, min_size=1, max_size=5)))
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case, with_key: bool, ours: bool,
                  rows: list[dict[str, object]] | None) -> None:
            # some requests carry a valid key and name the real project and model, so the
            # fuzzing reaches validation and storage, not only authentication
            headers = {"Authorization": f"Bearer {KEY['churn']}"} if with_key else {}
            if ours and case.path_parameters:
                case.path_parameters = {**case.path_parameters, "project": "churn",
                                        "model": "gbm"}
                if rows is not None and case.method == "POST":
                    # most rows get distinct ids, so checks past the id check run too
                    body = [{**row, "request_id": f"r{i}"} if i % 4 else row
                            for i, row in enumerate(rows)]
                    case.body, case.media_type = body, "application/json"
            response = case.call(headers=headers)
            seen.add(response.status_code)
            assert response.status_code < 500, (case.method, case.path, response.text[:500])

        check()
    # the run reached past authentication into validation, not only 401s
    assert 401 in seen and seen & {200, 404, 415, 422}, seen
