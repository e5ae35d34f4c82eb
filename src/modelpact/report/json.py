"""Machine-readable outputs: deterministic JSON, written atomically."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from modelpact._files import atomic_write_text

__all__ = ["dumps", "write_json"]


def _clean(value: Any) -> Any:
    # JSON has no NaN or infinity; null says "not defined" to every consumer
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # NumPy scalars
        return _clean(value.item())
    return value


def dumps(document: dict[str, Any]) -> str:
    """Serialise a result document: same document, same bytes.

    Examples
    --------
    >>> dumps({"b": float("nan"), "a": 1})
    '{\\n  "b": null,\\n  "a": 1\\n}\\n'
    """
    return json.dumps(_clean(document), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(path: str | Path, document: dict[str, Any]) -> Path:
    """Write *document* to *path* atomically (temp file + rename)."""
    return atomic_write_text(path, dumps(document))
