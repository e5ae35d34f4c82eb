"""Start ``modelpact serve`` as a real process on a free loopback port (tests, benchmarks)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

__all__ = ["free_port", "start_server"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    url: str, cwd: Path, port: int, *extra: str, timeout: float = 60.0
) -> subprocess.Popen[bytes]:
    """Run ``modelpact serve --store URL --port PORT`` and wait until it answers /readyz."""
    env = {**os.environ, "MODELPACT_STORE": url}
    log = cwd / f"serve-{port}.log"
    with log.open("ab") as sink:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-c", "from modelpact.cli.app import main; main()", "serve",
             "--host", "127.0.0.1", "--port", str(port), *extra],
            cwd=cwd, env=env, stdout=sink, stderr=sink)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"modelpact serve exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"modelpact serve did not become ready on port {port} in {timeout} s")
