"""Validation of captured rows: the fast paths give the same answers as the careful ones."""

from __future__ import annotations

import json

import pytest

from modelpact.errors import InvalidDataError
from modelpact.service.validation import JSON, parse_table, validate_predictions
from tests.service.conftest import churn_pact, rows


def _features(records: list[dict[str, object]]) -> list[list[object]]:
    batch = validate_predictions(records, churn_pact())
    assert batch.columns == ("age", "plan")
    return [json.loads(text) for text in batch.features]


def test_features_are_encoded_in_the_pacts_order_with_missing_ones_null() -> None:
    records = rows(3)
    records[1]["plan"] = 'looks [like] {json}'  # brackets inside a string are text
    del records[2]["plan"]
    records[0]["age"] = 2**70  # beyond 64 bits: still an exact integer
    assert _features(records) == [[2**70, "basic"], [21, "looks [like] {json}"], [22, None]]


@pytest.mark.parametrize("value", [[1, 2], {"a": 1}, [[]], {"x": [1]}])
def test_a_nested_feature_value_is_refused_naming_field_and_row(value: object) -> None:
    records = rows(3)
    records[2]["plan"] = value
    with pytest.raises(InvalidDataError, match=r"row 2: field 'plan' \(feature\) must be"):
        validate_predictions(records, churn_pact())


def test_json_bodies_with_nan_are_read_and_refused_by_field() -> None:
    body = b'[{"request_id": "a", "ts": "2026-03-01T00:00:00Z", "age": 1, "plan": "x", ' \
           b'"p_churn": NaN}]'
    records = parse_table(body, JSON)
    with pytest.raises(InvalidDataError, match=r"row 0: field 'p_churn' \(score\) must be finite"):
        validate_predictions(records, churn_pact())
    with pytest.raises(InvalidDataError, match="not valid JSON"):
        parse_table(b'[{"a": 1}', JSON)


def test_rows_with_different_fields_are_all_seen() -> None:
    records = rows(3)
    records[2]["surprise"] = 1
    with pytest.raises(InvalidDataError, match="field 'surprise' is not a feature"):
        validate_predictions(records, churn_pact())
