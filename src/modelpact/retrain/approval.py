"""Approving a challenger the loop held: the same refit on the whole window a promotion gets.

A challenger that passed the gate but waited for a person is promoted by
``modelpact models approve``. When the pact declares ``refit_on_window``, an automatic
promotion refits the gated recipe on the whole window (holdout included); an approved one must
not ship a model trained on fewer rows than the same decision would have shipped unattended,
so it is refit the same way, from the window the retraining logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from modelpact.ledger import ModelVersion, Store
from modelpact.ledger.entities import Run
from modelpact.ledger.retraining import approve as approve_in_ledger
from modelpact.ledger.retraining import held_for_approval
from modelpact.pact import RetrainingConfig

__all__ = ["Approval", "approve"]


@dataclass(frozen=True)
class Approval:
    """What ``models approve`` did: the version promoted, the held one, and any note."""

    promoted: ModelVersion
    held: ModelVersion
    refit: bool
    note: str | None = None


def _window(store: Store, run: Run, *, holdout_only: bool) -> pd.DataFrame | None:
    """The retraining's train and holdout rows (or the holdout alone), in time order, if the
    ledger kept them."""
    parts = []
    for role in ("eval",) if holdout_only else ("train", "eval"):
        snapshots = run.datasets_for(role)
        frame = store.load_dataset_frame(snapshots[0].dataset_id) if snapshots else None
        if frame is None:
            return None
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def _config(store: Store, project: str) -> RetrainingConfig | None:
    pact = store.pinned_pact(project)
    return None if pact is None else pact.retraining


def approve(
    store: Store,
    ref: str,
    *,
    reason: str | None = None,
    actor: str | None = None,
    cwd: Path | None = None,
    trust_pickle: bool = False,
) -> Approval:
    """Promote the held challenger *ref*, refit on its whole window if the pact says so.

    Parameters
    ----------
    store
        The ledger.
    ref
        The held challenger (``PROJECT:VERSION`` or its id).
    reason, actor
        Recorded with the promotion.
    cwd
        Where the trainer runs for the refit (default: the current directory).
    trust_pickle
        Load a champion stored as a pickle for an incremental refit.

    Returns
    -------
    Approval
        The promoted version: the refit, or the held version itself when the pact declares
        no refit, the window's rows were not kept, or the refit failed (``note`` says which).

    Raises
    ------
    StoreError
        When *ref* is not a challenger awaiting approval.
    """
    from modelpact.retrain.loop import refit_on_window

    held, run = held_for_approval(store, ref)
    config = _config(store, held.project)
    if config is None or not config.refit_on_window:
        return Approval(approve_in_ledger(store, ref, reason=reason, actor=actor), held, False)
    rows = _window(store, run, holdout_only=config.incremental)
    if rows is None:
        note = "the retraining's window rows were not kept, so the held model itself is promoted"
        promoted = approve_in_ledger(store, ref, reason=reason, actor=actor)
        return Approval(promoted, held, False, note)
    # an incremental learner goes on from the held challenger with its held-out rows
    champion = store.load_model(held.id, trust_pickle=trust_pickle) if config.incremental else None
    refit = refit_on_window(store, config, held, rows, champion, cwd=cwd)
    if refit is None:
        note = "the refit on the whole window failed, so the held model itself is promoted"
        promoted = approve_in_ledger(store, ref, reason=reason, actor=actor)
        return Approval(promoted, held, False, note)
    promoted = approve_in_ledger(store, ref, reason=reason, actor=actor, refit=refit)
    return Approval(promoted, held, True)
