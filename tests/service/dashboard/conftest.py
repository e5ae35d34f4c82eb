"""One seeded ledger per test module (the analysis takes a few seconds), served by TestClient."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from modelpact.service import ServiceSettings, create_app
from tests.service._server import free_port
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


@pytest.fixture(scope="module")
def base_url(seeded: Seeded) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, in a thread of this process."""
    port = free_port()
    settings = ServiceSettings(store_url=seeded.url, root=seeded.root, schedule=False)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from tests.service.dashboard._browser import CHROMIUM, DRIVER, FLAGS

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
