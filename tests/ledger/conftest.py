"""Fixtures for the ledger tests: an open store on every backend, and verdict documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelpact.ledger import Store, open_store
from modelpact.pact import Pact, parse_pact

PACT_YAML = """
name: churn-pact
task: binary
positive_class: 1
columns: {target: y, score: p, id: id}
criteria:
  - {metric: roc_auc, at_least: 0.7}
"""


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    """An empty ledger on the backend ``store_url`` names, artifacts in a temp directory."""
    with open_store(store_url, root=tmp_path / ".modelpact") as opened:
        yield opened


@pytest.fixture
def pact() -> Pact:
    return parse_pact(PACT_YAML)


def verdict_doc(verdict: str = "signed_off", pact: str = "churn-pact") -> dict[str, Any]:
    """A hand-built ``modelpact.verdict/v1`` document."""
    return {
        "schema": "modelpact.verdict/v1",
        "verdict": verdict,
        "pact": pact,
        "n_rows": 1000,
        "criteria": [
            {
                "metric": "roc_auc",
                "slice": None,
                "kind": "absolute",
                "threshold": 0.7,
                "estimate": 0.81,
                "ci": [0.78, 0.84],
                "confidence": 0.95,
                "status": "pass" if verdict == "signed_off" else "fail",
                "n": 1000,
                "n_needed": None,
            }
        ],
    }
