"""A served ledger: a project with a pact, a captured model, and keys for it and another."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from modelpact.ledger import open_store
from modelpact.ledger.capture import CaptureStore
from modelpact.ledger.keys import KeyStore
from modelpact.pact import Pact, parse_pact
from modelpact.service import ServiceSettings, create_app

PACT_YAML = """
name: churn
task: binary
positive_class: 1
columns:
  target: churned
  score: p_churn
  prediction: predicted
  id: request_id
  time: ts
  features: [age, plan]
criteria:
  - {metric: roc_auc, at_least: 0.7}
"""


@dataclass(frozen=True)
class Served:
    client: TestClient
    url: str
    root: Path
    key: str
    other_key: str

    def headers(self, key: str | None = None, content_type: str = "application/json") -> dict[
            str, str]:
        return {"Authorization": f"Bearer {key or self.key}", "Content-Type": content_type}


def churn_pact() -> Pact:
    return parse_pact(PACT_YAML)


def prepare_ledger(url: str, root: Path) -> tuple[str, str]:
    """Project 'churn' with its pact and model 'gbm'; returns a churn key and a fraud key."""
    with open_store(url, root=root) as store:
        store.ensure_project("churn", churn_pact())
        CaptureStore(store).ensure_model("churn", "gbm")
        keys = KeyStore(store)
        _, key = keys.create("churn")
        _, other = keys.create("fraud")
    return key, other


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    root = tmp_path / ".modelpact"
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    key, other = prepare_ledger(url, root)
    settings = ServiceSettings(store_url=url, root=root, schedule=False, max_body_bytes=64_000)
    with TestClient(create_app(settings)) as client:
        yield Served(client=client, url=url, root=root, key=key, other_key=other)


def rows(n: int, start: int = 0) -> list[dict[str, object]]:
    return [{"request_id": f"r{i}", "ts": f"2026-03-01T00:{i % 60:02d}:00Z", "age": 20 + i % 50,
             "plan": "gold" if i % 3 else "basic", "p_churn": (i % 10) / 10, "predicted": i % 2}
            for i in range(start, start + n)]
