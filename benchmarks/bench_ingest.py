"""Ingestion throughput of ``modelpact serve`` against a raw database insert of the same rows.

For each store (a SQLite file; PostgreSQL when ``MODELPACT_TEST_POSTGRES_URL`` names a server,
a fresh database is made from it), a real ``modelpact serve`` process on a loopback port gets:

* batches of 1,000 rows with 20 numeric features (JSON bodies), from 2 client threads;
* the same rows inserted straight into a plain table of the same database with SQLAlchemy
  Core ``executemany`` (one transaction per 1,000 rows): the floor the service is held to;
* single-row requests, one at a time over a keep-alive connection: requests/s and p99.

Wall and CPU seconds (client and server process) are printed as a Markdown table.

    .venv/bin/python benchmarks/bench_ingest.py [--batches 40] [--single 2000]
"""

from __future__ import annotations

import argparse
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


def bench(label: str, url: str, n_batches: int, n_single: int) -> list[str]:
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

            singles = rows(10**7, n_single, rng)
            latencies = []
            server0 = server_cpu(server.pid)
            with httpx.Client(headers=headers, timeout=60) as http:
                started = time.perf_counter()
                for row in singles:
                    t0 = time.perf_counter()
                    http.post(target, content=json.dumps([row]).encode()).raise_for_status()
                    latencies.append(time.perf_counter() - t0)
                single_wall = time.perf_counter() - started
            single_server_cpu = server_cpu(server.pid) - server0
        finally:
            server.kill()
            server.wait()
    n_rows = n_batches * BATCH
    p99 = float(np.percentile(latencies, 99)) * 1000
    return [
        f"| {label} | batches of 1,000 rows (20 features), 2 clients | {n_rows:,} rows in "
        f"{batch_wall:.2f} s: **{n_rows / batch_wall:,.0f} rows/s** | client CPU "
        f"{batch_cpu:.2f} s, server CPU {batch_server_cpu:.2f} s |",
        f"| {label} | raw executemany of the same rows, same database | {n_rows:,} rows in "
        f"{raw_wall:.2f} s: **{n_rows / raw_wall:,.0f} rows/s** | service / raw = "
        f"{raw_wall / batch_wall:.2f} |",
        f"| {label} | single-row requests, sequential | {n_single:,} in {single_wall:.2f} s: "
        f"**{n_single / single_wall:,.0f} req/s**, p99 {p99:.1f} ms | server CPU "
        f"{single_server_cpu:.2f} s |",
    ]


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
    args = parser.parse_args()
    lines = ["| store | work | result | notes |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        lines += bench("SQLite", f"sqlite:///{tmp}/ledger.db", args.batches, args.single)
    pg = postgres_url()
    if pg is not None:
        lines += bench("PostgreSQL", pg, args.batches, args.single)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
