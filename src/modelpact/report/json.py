"""Machine-readable outputs: deterministic JSON."""

from __future__ import annotations

import json
from typing import Any

from modelpact._json import json_clean

__all__ = ["dumps"]


def dumps(document: dict[str, Any]) -> str:
    """Serialise a result document: same document, same bytes.

    Examples
    --------
    >>> dumps({"b": float("nan"), "a": 1})
    '{\\n  "b": null,\\n  "a": 1\\n}\\n'
    """
    return json.dumps(json_clean(document), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
