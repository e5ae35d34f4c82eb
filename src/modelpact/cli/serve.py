"""``modelpact serve``: the monitoring service (ingestion API, scheduled analysis, alerts)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import typer

from modelpact.cli._common import err_console
from modelpact.cli._duration import parse_duration
from modelpact.cli.app import app
from modelpact.cli.runs import STORE_HELP
from modelpact.errors import ConfigurationError


@app.command("serve")
def serve(
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Address to bind; the default serves this machine only."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    max_body_mb: float = typer.Option(16.0, "--max-body-mb",
                                      help="Larger request bodies get 413."),
    schedule: bool = typer.Option(True, "--schedule/--no-schedule",
                                  help="Run the scheduled analysis and alert delivery here."),
    every: str = typer.Option("60s", "--every", help="How often the scheduler looks for "
                                                     "completed chunks (30s, 5m, 1h)."),
    webhook: list[str] = typer.Option([], "--webhook", help="Deliver alerts to this URL "
                                                            "(repeatable)."),
    webhook_format: str = typer.Option("json", "--webhook-format",
                                       help="Payload: json (generic) or slack."),
    webhook_secret_env: str = typer.Option(
        "MODELPACT_WEBHOOK_SECRET", "--webhook-secret-env",
        help="Environment variable holding the HMAC secret that signs webhook payloads."),
    remind_after: str | None = typer.Option(
        None, "--remind-after",
        help="Notify again about an alert still raised after this long; overrides the pact's "
             "monitoring.remind_after (default 24h)."),
) -> None:
    """Run the monitoring service until interrupted.

    Model servers send predictions and labels to `/api/v1` (see `modelpact keys create`);
    each completed chunk period is analysed against the pact and alerts go to the webhooks.
    Several processes may share one PostgreSQL store: the scheduler runs on one at a time.

    Example: `modelpact serve --store postgresql+psycopg://host/db --webhook https://hooks/x`
    """
    import uvicorn

    from modelpact.ledger import display_url, resolve_store_url
    from modelpact.ledger.config import default_url
    from modelpact.service import ServiceSettings, Webhook, create_app

    if webhook_format not in ("json", "slack"):
        raise ConfigurationError(f"--webhook-format '{webhook_format}': use json or slack")
    if not 0 < port < 65536:
        raise ConfigurationError(f"--port {port} is not a TCP port")
    secret = os.environ.get(webhook_secret_env, "")
    if webhook and not secret:
        raise ConfigurationError(
            f"--webhook needs a signing secret in the environment variable {webhook_secret_env}")
    fmt: Literal["json", "slack"] = "slack" if webhook_format == "slack" else "json"
    cwd = Path.cwd()
    url = resolve_store_url(store, cwd)
    root = cwd / ".modelpact"
    settings = ServiceSettings(
        store_url=url, root=root, max_body_bytes=int(max_body_mb * 2**20), schedule=schedule,
        analysis_interval=parse_duration(every, option="--every"),
        webhooks=tuple(Webhook(url=u, secret=secret, format=fmt) for u in webhook),
        reminder_after=(None if remind_after is None
                        else parse_duration(remind_after, option="--remind-after")),
        secrets=dict(os.environ),
        # shared by every process behind one load balancer, or sessions break between them
        session_secret=os.environ.get("MODELPACT_SESSION_SECRET") or None)
    err_console().print(f"serving {display_url(url or default_url(root))} on "
                        f"http://{host}:{port} (dashboard at /, API docs at /docs)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning",
                access_log=False)
