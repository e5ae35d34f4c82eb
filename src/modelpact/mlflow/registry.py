"""The pact's gate on MLflow's model registry: the ``champion`` alias only for a signed-off version.

MLflow's registry moves an alias wherever it is told to. :func:`promote` applies the ledger's
rule first: the version needs a ``signed_off`` verdict decided against the project's pact,
found in the version's own tags (``modelpact verify --model models:/... --mlflow`` puts it there)
or in the tags of the run that produced it (``modelpact.mlflow.log`` or the evaluator plugin).
A forced promotion needs a reason. Who promoted, when, why and on which verdict are recorded
as tags on the version and in its description.
"""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from modelpact.errors import ConfigurationError, StoreError
from modelpact.mlflow.runs import pact_sha256
from modelpact.mlflow.uris import MODEL_PREFIX, require_mlflow
from modelpact.pact import Pact

__all__ = ["Promotion", "parse_model_uri", "promote", "tag_version"]

_VERDICT = "modelpact.verdict"
_PACT_SHA = "modelpact.pact_sha256"
_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<version>\d+)|@(?P<alias>[\w\-]+))$")


@dataclass(frozen=True)
class Promotion:
    """What :func:`promote` did: the version now under *alias*, and the one it replaced."""

    name: str
    version: str
    alias: str
    previous: str | None
    verdict: str | None
    forced: bool
    actor: str | None
    reason: str | None

    def summary(self) -> str:
        """One line for the terminal."""
        text = f"models:/{self.name}/{self.version} is now @{self.alias}"
        if self.previous is not None and self.previous != self.version:
            text += f" (replacing version {self.previous})"
        if self.forced:
            text += f"; forced by {self.actor or 'unknown user'}: {self.reason}"
        return text


def parse_model_uri(uri: str) -> tuple[str, str | None, str | None]:
    """``models:/name/3`` -> ``("name", "3", None)``; ``models:/name@alias`` -> alias form.

    Examples
    --------
    >>> parse_model_uri("models:/churn/3"), parse_model_uri("models:/churn@challenger")
    (('churn', '3', None), ('churn', None, 'challenger'))
    """
    match = _URI.match(uri)
    if match is None:
        raise ConfigurationError(
            f"'{uri}' is not a registered model version; use {MODEL_PREFIX}NAME/VERSION or "
            f"{MODEL_PREFIX}NAME@ALIAS"
        )
    return match["name"], match["version"], match["alias"]


def _signing(version: Any, client: Any, digest: str) -> tuple[str | None, str | None, str]:
    """``(verdict, pact hash, where)`` from the version's tags, else its run's."""
    tags = dict(version.tags or {})
    if _VERDICT in tags:
        return tags[_VERDICT], tags.get(_PACT_SHA), "the version's tags"
    if version.run_id:
        try:
            run_tags = dict(client.get_run(version.run_id).data.tags)
        except Exception:  # the producing run was deleted or lives elsewhere
            run_tags = {}
        if _VERDICT in run_tags:
            return run_tags[_VERDICT], run_tags.get(_PACT_SHA), f"run {version.run_id}"
    return None, None, "no verdict"


def promote(
    uri: str,
    *,
    pact: Pact,
    alias: str = "champion",
    force: bool = False,
    reason: str | None = None,
    actor: str | None = None,
) -> Promotion:
    """Point the registered model's *alias* at the version *uri*, if the pact allows it.

    Parameters
    ----------
    uri
        ``models:/NAME/VERSION`` or ``models:/NAME@ALIAS`` (e.g. the challenger).
    pact
        The project's pact: the version's ``signed_off`` verdict must have been decided
        against this very pact (same content hash).
    force, reason
        Promote without such a verdict; *reason* is required and recorded.
    actor
        Who promotes (default: the login name).

    Raises
    ------
    StoreError
        When the version has no ``signed_off`` verdict against the pact and *force* is not set,
        or the version does not exist.
    """
    if force and not (reason and reason.strip()):
        raise ConfigurationError("--force needs --reason TEXT: say why the rules are bypassed")
    name, number, source_alias = parse_model_uri(uri)
    mlflow = require_mlflow("promoting in MLflow's registry")
    client = mlflow.tracking.MlflowClient()
    try:
        version = (
            client.get_model_version(name, number)
            if number is not None
            else client.get_model_version_by_alias(name, source_alias)
        )
    except Exception as exc:
        message = str(getattr(exc, "message", "") or exc).strip().splitlines()
        raise StoreError(f"{uri}: not in MLflow's registry: {message[0] if message else exc}") from None
    digest = pact_sha256(pact)
    verdict, verdict_pact, where = _signing(version, client, digest)
    allowed = verdict == "signed_off" and verdict_pact == digest
    if not allowed and not force:
        if verdict is None:
            why = "no modelpact verdict is recorded for it or its run"
        elif verdict != "signed_off":
            why = f"its verdict ({where}) is {verdict}"
        else:
            why = f"its signed_off verdict ({where}) was decided against another pact"
        raise StoreError(
            f"cannot set @{alias} on models:/{name}/{version.version}: {why}; it needs a "
            f"signed_off verdict against pact '{pact.name}' (modelpact verify ... --model "
            f"models:/{name}/{version.version} --mlflow), or --force --reason TEXT"
        )
    try:
        previous = client.get_model_version_by_alias(name, alias).version
    except Exception:  # no version holds the alias yet
        previous = None
    who = actor or _current_user()
    when = datetime.now(UTC).isoformat(timespec="seconds")
    client.set_registered_model_alias(name, alias, version.version)
    forced = force and not allowed
    record = {
        "modelpact.promoted_to": alias,
        "modelpact.promoted_by": who or "unknown",
        "modelpact.promoted_at": when,
        "modelpact.promotion_forced": str(forced).lower(),
    }
    if reason:
        record["modelpact.promotion_reason"] = reason
    for key, value in record.items():
        client.set_model_version_tag(name, version.version, key, value)
    basis = (
        f"forced without a signed_off verdict: {reason}"
        if forced
        else f"signed_off against pact '{pact.name}' ({digest[:12]})"
        + (f": {reason}" if reason else "")
    )
    line = f"[modelpact] {when} @{alias} set by {who or 'unknown'}, {basis}"
    description = (version.description or "").rstrip()
    client.update_model_version(
        name, version.version, description=f"{description}\n{line}".lstrip("\n")
    )
    if previous is not None and previous != version.version:
        client.set_model_version_tag(name, previous, "modelpact.replaced_by", version.version)
    return Promotion(
        name=name,
        version=str(version.version),
        alias=alias,
        previous=None if previous is None else str(previous),
        verdict=verdict,
        forced=forced,
        actor=who,
        reason=reason,
    )


def tag_version(uri: str, tags: dict[str, str]) -> None:
    """Set modelpact's verdict tags on the registered model version *uri*."""
    name, number, alias = parse_model_uri(uri)
    mlflow = require_mlflow("tagging a model version")
    client = mlflow.tracking.MlflowClient()
    if number is None:
        number = client.get_model_version_by_alias(name, alias).version
    for key, value in tags.items():
        client.set_model_version_tag(name, number, key, value[:5000])


def _current_user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return None
