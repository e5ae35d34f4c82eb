"""Durations and times on the command line: ``90d``, ``12h``, ``30s``; ISO 8601 times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from modelpact.errors import ConfigurationError

__all__ = ["parse_duration", "parse_time"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str, *, option: str) -> timedelta:
    """``"90d"`` -> 90 days; units s, m, h, d, w.

    Examples
    --------
    >>> parse_duration("90d", option="--keep"), parse_duration("1.5h", option="--every")
    (datetime.timedelta(days=90), datetime.timedelta(seconds=5400))
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text)
    if match is None or float(match.group(1)) <= 0:
        raise ConfigurationError(
            f"{option} '{text}' is not a duration; write a positive number and a unit: "
            "30s, 15m, 12h, 90d, 2w")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def parse_time(text: str, *, option: str) -> datetime:
    """An ISO 8601 date or time, taken as UTC when it has no zone.

    Examples
    --------
    >>> parse_time("2026-03-01", option="--from")
    datetime.datetime(2026, 3, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigurationError(
            f"{option} '{text}' is not an ISO 8601 date or time (e.g. 2026-03-01 or "
            "2026-03-01T12:00:00Z)") from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
