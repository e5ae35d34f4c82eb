"""Ledger references: ``run:<id>`` and ``model:<project:version>`` as models and predictions.

A reference names something the ledger holds, so a comparison or a behaviour diff can be
given ``model:churn:3`` or ``run:4f2a`` where it would take a file or a fitted estimator.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from modelpact.ledger import open_store
>>> with tempfile.TemporaryDirectory() as tmp, open_store(root=Path(tmp)) as store:
...     _ = store.register_model(project="churn", model={"weights": [1, 2]})
...     resolve_model(store, "model:churn:1", trust_pickle=True)
{'weights': [1, 2]}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelpact.errors import ConfigurationError

if TYPE_CHECKING:
    import pandas as pd

    from modelpact.ledger.store import Store

__all__ = [
    "LEDGER_PREFIXES",
    "LedgerRefs",
    "is_ledger_ref",
    "resolve_model",
    "resolve_predictions",
    "resolve_run_id",
    "resolve_training_frame",
]

LEDGER_PREFIXES = ("run:", "model:")


def is_ledger_ref(value: Any) -> bool:
    """Whether *value* is a ledger reference (``run:<id>`` or ``model:<ref>``).

    Examples
    --------
    >>> is_ledger_ref("model:churn:3"), is_ledger_ref("preds.csv")
    (True, False)
    """
    return isinstance(value, str) and value.startswith(LEDGER_PREFIXES)


def resolve_run_id(store: Store, ref: str) -> str:
    """The id of the run behind ``run:<id>``, or of the run that produced ``model:<ref>``."""
    kind, _, key = ref.partition(":")
    if kind == "run":
        return store.get_run(key).id
    if kind != "model":
        raise ConfigurationError(f"'{ref}' is not a ledger reference; use run:<id> or model:<ref>")
    version = store.get_model_version(key)
    if not version.run_id:
        raise ConfigurationError(f"model {version.ref} was registered without a run")
    return version.run_id


def resolve_predictions(store: Store, ref: str) -> tuple[pd.DataFrame, str]:
    """The evaluation predictions stored for a run or model version, and a label for them."""
    run_id = resolve_run_id(store, ref)
    return store.run_predictions(run_id), f"{ref} (run {run_id[:8]})"


def resolve_model(
    store: Store, ref: str, *, trust_pickle: bool = False, trusted: list[str] | None = None
) -> Any:
    """The fitted model of ``model:<ref>`` (``project:N``, ``project@stage`` or an id).

    The artifact's sha256 is checked; a scikit-learn estimator stored in skops format loads
    its trusted types (plus *trusted*); a pickle loads only with ``trust_pickle=True``.
    """
    kind, _, key = ref.partition(":")
    if kind != "model":
        raise ConfigurationError(f"'{ref}' is a run; behaviour diffs of models take model:<ref>")
    return store.load_model(key, trust_pickle=trust_pickle, trusted=trusted)


def resolve_training_frame(store: Store, ref: str) -> pd.DataFrame | None:
    """The training rows logged with the run behind *ref*, if they were kept."""
    import pandas as pd

    kind, _, key = ref.partition(":")
    if kind == "model" and not store.get_model_version(key).run_id:
        return None  # registered by `verify --register`: no run, no training data
    run = store.get_run(resolve_run_id(store, ref))
    train = run.datasets_for("train")
    if not train:
        return None
    frame = store.load_dataset_frame(train[0].dataset_id)
    return frame if isinstance(frame, pd.DataFrame) else None


class LedgerRefs:
    """Resolve references against the configured ledger, opened only when one is met.

    Parameters
    ----------
    store_url
        The ``--store`` value; None means ``MODELPACT_STORE``, ``modelpact.toml`` or
        ``.modelpact/`` (see :func:`~modelpact.ledger.open_configured_store`).
    trust_pickle, trusted
        Passed to :func:`resolve_model`.
    """

    def __init__(
        self, store_url: str | None, *, trust_pickle: bool = False, trusted: list[str] | None = None
    ) -> None:
        self.store_url = store_url
        self.trust_pickle = trust_pickle
        self.trusted = trusted
        self._store: Store | None = None

    def store(self) -> Store:
        """The ledger store (opened once)."""
        if self._store is None:
            from modelpact.ledger.store import open_configured_store

            self._store = open_configured_store(self.store_url)
        return self._store

    def close(self) -> None:
        """Close the store if it was opened."""
        if self._store is not None:
            self._store.close()

    @staticmethod
    def is_ref(value: Any) -> bool:
        """Whether *value* is a ledger reference."""
        return is_ledger_ref(value)

    def run_id(self, ref: str) -> str:
        """See :func:`resolve_run_id`."""
        return resolve_run_id(self.store(), ref)

    def predictions(self, ref: str) -> tuple[pd.DataFrame, str]:
        """See :func:`resolve_predictions`."""
        return resolve_predictions(self.store(), ref)

    def model(self, ref: str) -> Any:
        """See :func:`resolve_model`."""
        return resolve_model(
            self.store(), ref, trust_pickle=self.trust_pickle, trusted=self.trusted
        )

    def training_frame(self, ref: str) -> pd.DataFrame | None:
        """See :func:`resolve_training_frame`."""
        return resolve_training_frame(self.store(), ref)
