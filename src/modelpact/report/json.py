"""Machine-readable outputs: deterministic JSON."""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["dumps"]


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
