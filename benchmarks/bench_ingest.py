"""Ingestion throughput of ``modelpact serve`` against a raw database insert of the same rows.

For each store (a SQLite file; PostgreSQL when ``MODELPACT_TEST_POSTGRES_URL`` names a server,
a fresh database is made from it), a real ``modelpact serve`` process on a loopback port gets:

* batches of 1,000 rows with 20 numeric features (JSON bodies), from 2 client threads;
* the same rows inserted straight into a plain table of the same database with SQLAlchemy
  Core ``executemany`` (one transaction per 1,000 rows): the floor the service is held to;
* single-row requests over keep-alive connections, as a fleet of model servers sends them:
  ``--clients`` concurrent connections (and one, sequential), from a small asyncio HTTP/1.1
  load generator so that the generator, which shares the machine's cores with the server,
  costs as little CPU as it can: requests/s, p50 and p99 latency.

Wall and CPU seconds (load generator and server process; PostgreSQL's own backend processes
are not counted) and the one-minute load average before each step are printed as a Markdown
table.

    .venv/bin/python benchmarks/bench_ingest.py [--batches 40] [--single 2000] [--clients 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

from modelpact.ledger import open_store
from modelpact.ledger.capture import CaptureStore
from modelpact.ledger.keys import KeyStore
from modelpact.pact import Pact

FEATURES = [f"f{i}" for i in range(20)]
BATCH = 1000
PACT = Pact.model_validate({
    "name": "bench", "task": "binary", "positive_class": 1,
    "columns": {"target": "y", "score": "p", "id": "rid", "time": "ts", "features": FEATURES},
    "criteria": [{"metric": "roc_auc", "at_least": 0.7}],
})


def rows(start: int, n: int, rng: np.random.Generator) -> list[dict[str, object]]:
    values = rng.normal(size=(n, len(FEATURES))).round(6)
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    return [{"rid": f"r{start + i}", "ts": (t0 + timedelta(seconds=start + i)).isoformat(),
             **dict(zip(FEATURES, values[i].tolist(), strict=True)),
             "p": float(rng.uniform())} for i in range(n)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(url: str, cwd: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MODELPACT_STORE": url}
    process = subprocess.Popen(
        [sys.executable, "-c", "from modelpact.cli.app import main; main()", "serve",
         "--port", str(port), "--no-schedule", "--max-body-mb", "64"],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


async def _post_rows(port: int, path: str, key: str, bodies: list[bytes],
                     latencies: list[float]) -> None:
    """Send each body in turn over one keep-alive connection; note each request's latency."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
            "Content-Type: application/json\r\n").encode()
    try:
        for body in bodies:
            started = time.perf_counter()
            writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            response = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in response.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not response.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(response.split(b"\r\n", 1)[0].decode())
    finally:
        writer.close()


def singles(port: int, path: str, key: str, bodies: list[bytes], clients: int,
            server_pid: int) -> tuple[float, float, float, list[float], float]:
    """``(wall, generator CPU, server CPU, latencies, load)`` of *clients* concurrent senders."""
    latencies: list[float] = []
    load = os.getloadavg()[0]

    async def run() -> None:
        await asyncio.gather(*(_post_rows(port, path, key, bodies[k::clients], latencies)
                               for k in range(clients)))

    cpu0, server0 = time.process_time(), server_cpu(server_pid)
    started = time.perf_counter()
    asyncio.run(run())
    wall = time.perf_counter() - started
    return (wall, time.process_time() - cpu0, server_cpu(server_pid) - server0, latencies,
            load)


def raw_insert(url: str, batches: list[list[dict[str, object]]]) -> float:
    from sqlalchemy import Column, DateTime, Float, MetaData, String, Table, create_engine

    meta = MetaData()
    table = Table("bench_raw", meta, Column("rid", String(200), primary_key=True),
                  Column("ts", DateTime(timezone=True)),
                  *[Column(f, Float) for f in FEATURES], Column("p", Float))
    engine = create_engine(url)
    meta.create_all(engine)
    prepared = [[{**r, "ts": datetime.fromisoformat(str(r["ts"]))} for r in b] for b in batches]
    started = time.perf_counter()
    for batch in prepared:
        with engine.begin() as conn:
            conn.execute(table.insert(), batch)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def bench(label: str, url: str, n_batches: int, n_single: int, clients: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / ".modelpact"
        with open_store(url, root=root) as store:
            store.ensure_project("bench", PACT)
            CaptureStore(store).ensure_model("bench", "m")
            _, key = KeyStore(store).create("bench")
        rng = np.random.default_rng(0)
        batches = [rows(i * BATCH, BATCH, rng) for i in range(n_batches)]
        bodies = [json.dumps(b).encode() for b in batches]
        port = free_port()
        server = start(url, Path(tmp), port)
        try:
            target = f"http://127.0.0.1:{port}/api/v1/projects/bench/models/m/predictions"
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            batch_load = os.getloadavg()[0]
            cpu0, server0 = time.process_time(), server_cpu(server.pid)
            started = time.perf_counter()

            def send(part: list[bytes]) -> None:
                with httpx.Client(headers=headers, timeout=60) as http:
                    for body in part:
                        http.post(target, content=body).raise_for_status()

            threads = [threading.Thread(target=send, args=(bodies[k::2],)) for k in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            batch_wall = time.perf_counter() - started
            batch_cpu = time.process_time() - cpu0
            batch_server_cpu = server_cpu(server.pid) - server0
            raw_wall = raw_insert(url, batches)

            path = "/api/v1/projects/bench/models/m/predictions"
            single_bodies = [json.dumps([row]).encode() for row in rows(10**7, n_single, rng)]
            sequential = singles(port, path, key, single_bodies[:n_single // 4], 1, server.pid)
            more = [json.dumps([row]).encode() for row in rows(2 * 10**7, n_single, rng)]
            fleet = singles(port, path, key, more, clients, server.pid)
        finally:
            server.kill()
            server.wait()
    n_rows = n_batches * BATCH
    lines = [
        f"| {label} | batches of 1,000 rows (20 features), 2 clients | {n_rows:,} rows in "
        f"{batch_wall:.2f} s: **{n_rows / batch_wall:,.0f} rows/s** | client CPU "
        f"{batch_cpu:.2f} s, server CPU {batch_server_cpu:.2f} s "
        f"({n_rows / batch_server_cpu:,.0f} rows per server CPU-second), load {batch_load:.1f} |",
        f"| {label} | raw executemany of the same rows, same database | {n_rows:,} rows in "
        f"{raw_wall:.2f} s: **{n_rows / raw_wall:,.0f} rows/s** | service / raw = "
        f"**{raw_wall / batch_wall:.2f}** |",
    ]
    for name, (wall, cpu, server_s, latencies, load) in (
            ("sequential, 1 connection", sequential),
            (f"{clients} concurrent keep-alive connections", fleet)):
        n = len(latencies)
        p50, p99 = (float(np.percentile(latencies, q)) * 1000 for q in (50, 99))
        lines.append(
            f"| {label} | single-row requests, {name} | {n:,} in {wall:.2f} s: "
            f"**{n / wall:,.0f} req/s**, p50 {p50:.1f} ms, **p99 {p99:.1f} ms** | generator CPU "
            f"{cpu:.2f} s, server CPU {server_s:.2f} s ({server_s / n * 1000:.2f} ms/request), "
            f"load {load:.1f} |")
    return lines


def postgres_url() -> str | None:
    base = os.environ.get("MODELPACT_TEST_POSTGRES_URL")
    if not base:
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(base)
    name = f"mp_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--single", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    lines = ["| store | work | result | notes |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        lines += bench("SQLite", f"sqlite:///{tmp}/ledger.db", args.batches, args.single, args.clients)
    pg = postgres_url()
    if pg is not None:
        lines += bench("PostgreSQL", pg, args.batches, args.single, args.clients)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
