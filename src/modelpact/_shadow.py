"""The one naming rule shadow mode shares between the client and the retraining loop.

Kept free of imports so that :mod:`modelpact.client` (which a model server imports) and
:mod:`modelpact.retrain.shadow` agree without either importing the other.
"""

from __future__ import annotations

__all__ = ["shadow_model_name"]


def shadow_model_name(model: str, version: int) -> str:
    """The captured model under which a candidate's shadow outputs are stored.

    Examples
    --------
    >>> shadow_model_name("gbm", 7)
    'gbm.shadow.7'
    """
    return f"{model}.shadow.{int(version)}"
