"""The dashboard's session: a signed cookie naming the API keys a person logged in with.

The cookie holds the SHA-256 hashes of the keys (never the keys), a CSRF token and when it was
issued, signed with HMAC-SHA256 over the server's secret. Every request checks the hashes
against the ledger again, so revoking a key ends the sessions that used it. Forms carry the
session's CSRF token; the login form, which comes before any session, carries a token from a
separate signed cookie (double submit).

Examples
--------
>>> signer = Signer(b"k" * 32)
>>> token = signer.dumps({"keys": ["ab"], "csrf": "x"})
>>> signer.loads(token)["keys"]
['ab']
>>> signer.loads(token[:-1] + ("0" if token[-1] != "0" else "1")) is None
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

__all__ = ["CSRF_COOKIE", "SESSION_COOKIE", "SESSION_MAX_AGE", "Signer", "new_token"]

SESSION_COOKIE = "modelpact_session"
CSRF_COOKIE = "modelpact_login_csrf"
#: A session lasts a working day; logging in again renews it.
SESSION_MAX_AGE = 12 * 3600


def new_token() -> str:
    """A fresh random token for a CSRF field."""
    return secrets.token_urlsafe(24)


class Signer:
    """Sign and check small JSON payloads with HMAC-SHA256.

    Parameters
    ----------
    secret
        The server's secret; every process behind one load balancer needs the same one.
    max_age
        Seconds after which a signed payload is no longer accepted.
    """

    def __init__(self, secret: bytes, max_age: int = SESSION_MAX_AGE) -> None:
        self._secret = secret
        self.max_age = max_age

    def _mac(self, body: bytes) -> str:
        return hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    def dumps(self, payload: dict[str, Any]) -> str:
        """``payload`` (plus its issue time) as ``<base64 json>.<hex mac>``."""
        raw = json.dumps({**payload, "iat": int(time.time())}, separators=(",", ":")).encode()
        body = base64.urlsafe_b64encode(raw).rstrip(b"=")
        return f"{body.decode()}.{self._mac(body)}"

    def loads(self, token: str | None) -> dict[str, Any] | None:
        """The payload of a valid, unexpired token; None for anything else."""
        if not token or "." not in token:
            return None
        body, _, mac = token.rpartition(".")
        if not hmac.compare_digest(self._mac(body.encode()), mac):
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except ValueError:
            return None
        if not isinstance(payload, dict):
            return None
        issued = payload.get("iat")
        if not isinstance(issued, int) or time.time() - issued > self.max_age:
            return None
        return payload
