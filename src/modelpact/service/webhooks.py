"""Alert notifications: payloads (generic JSON, Slack-compatible) and their HMAC signature.

Every request carries ``X-Modelpact-Timestamp`` (Unix seconds) and ``X-Modelpact-Signature:
sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<body>"`` under the shared secret. A receiver
recomputes it (:func:`verify_signature`) and rejects old timestamps to stop replays.

Examples
--------
>>> body = b'{"event": "alert"}'
>>> headers = sign(body, "s3cret", timestamp=1700000000)
>>> verify_signature(body, "s3cret", headers["X-Modelpact-Timestamp"],
...                  headers["X-Modelpact-Signature"])
True
>>> verify_signature(body + b" ", "s3cret", headers["X-Modelpact-Timestamp"],
...                  headers["X-Modelpact-Signature"])
False
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from modelpact.ledger.monitoring import AlertRecord

__all__ = ["ALERT_SCHEMA", "payload", "sign", "verify_signature"]

ALERT_SCHEMA = "modelpact.alert/v1"


def sign(body: bytes, secret: str, *, timestamp: int | None = None) -> dict[str, str]:
    """The signature headers of *body*."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
    return {"X-Modelpact-Timestamp": stamp,
            "X-Modelpact-Signature": f"sha256={digest.hexdigest()}"}


def verify_signature(body: bytes, secret: str, timestamp: str, signature: str) -> bool:
    """Whether *signature* is this body's, under *secret*, at *timestamp*."""
    expected = sign(body, secret, timestamp=int(timestamp))["X-Modelpact-Signature"]
    return hmac.compare_digest(expected, signature)


def payload(alert: AlertRecord, fmt: str) -> bytes:
    """The notification body of *alert*: ``json`` (generic) or ``slack``."""
    event = "reminder" if alert.notify_kind == "reminder" else "alert"
    if fmt == "slack":
        icon = ":rotating_light:" if alert.severity == "critical" else ":warning:"
        prefix = "Reminder: still raised: " if event == "reminder" else ""
        text = (f"{icon} {prefix}[{alert.severity}] {alert.project}/{alert.model} "
                f"{alert.kind}: {alert.message}")
        document: dict[str, Any] = {"text": text, "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
    else:
        document = {"schema": ALERT_SCHEMA, "event": event, **alert.to_dict()}
    return json.dumps(document, sort_keys=True).encode()
