"""One seeded ledger per test module (the analysis takes a few seconds), served by TestClient."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from modelpact.service import ServiceSettings, create_app
from tests.service.dashboard._seed import Seeded, seed


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    tmp: Path = tmp_path_factory.mktemp("dashboard")
    return seed(f"sqlite:///{tmp / 'ledger.db'}", tmp / ".modelpact")


@pytest.fixture
def client(seeded: Seeded) -> Iterator[TestClient]:
    settings = ServiceSettings(store_url=seeded.url, root=seeded.root, schedule=False,
                               session_secret="test-secret")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "no CSRF field in the form"
    return found.group(1)


def log_in(client: TestClient, key: str) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"key": key, "csrf": token, "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
