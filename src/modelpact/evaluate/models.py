"""Loading a model file the user names, and predicting with it on an evaluation table.

Model files are code: unpickling one runs it. modelpact only loads a file the user has named
explicitly on their own machine (``--model``), never anything received over the network.
``.skops`` files are loaded with skops' safe loader and only the types the user trusts.

A model from the ledger's registry is someone else's file: it was registered by whoever
could write to the shared store. :func:`load_registered_model` checks it is the file that
was registered (its SHA-256) and unpickles it only when the user says they trust it.
MLflow models (``models:/<name>/<version or @alias>``, ``runs:/<run_id>/<path>``) load
through MLflow, and are code in the same way: naming one is trusting it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from modelpact.errors import ModelLoadError, plain_repr
from modelpact.evaluate.inputs import Predictions, Target
from modelpact.pact import Pact

__all__ = [
    "feature_columns",
    "load_model",
    "load_registered_model",
    "model_columns",
    "predict",
    "predict_with_model",
]

# skops' safe loader asks before building types it does not know; scikit-learn's own
# (trees, histogram predictors) carry data only, so registry models may use them.
_REGISTRY_TRUSTED_PREFIXES = ("sklearn.",)

# MLflow model URIs go to the bridge, which imports MLflow only then.
_MLFLOW_MODEL = ("models:/", "runs:/")


def load_model(path: str | Path, *, trusted: list[str] | None = None) -> Any:
    """Load a scikit-learn compatible model saved with joblib (``.joblib``/``.pkl``) or skops.

    An MLflow model URI (``models:/churn/3``, ``models:/churn@champion``,
    ``runs:/<run_id>/model``) is loaded through MLflow (needs the ``mlflow`` extra).

    Parameters
    ----------
    path
        The model file the user named.
    trusted
        For ``.skops`` files, extra type names to trust beyond skops' defaults.
    """
    if str(path).startswith(_MLFLOW_MODEL):
        from modelpact.mlflow.uris import load_registered_model

        return load_registered_model(str(path))
    p = Path(path)
    if not p.exists():
        raise ModelLoadError(f"{p}: no such model file")
    return _load(p, trusted=list(trusted or []), label=str(p), allow_pickle=True)


def _load(p: Path, *, trusted: list[str], label: str, allow_pickle: bool) -> Any:
    try:
        if p.suffix == ".skops":
            import skops.io as sio

            untrusted = sio.get_untrusted_types(file=p)
            unknown = [t for t in untrusted if t not in trusted]
            if unknown:
                raise ModelLoadError(
                    f"{label}: holds types skops does not trust by default ({', '.join(unknown)}); "
                    "if you trust this file, pass them with --trust"
                )
            return sio.load(p, trusted=untrusted)
        if not allow_pickle:  # callers decide trust first; this is the last line of defence
            raise ModelLoadError(f"{label}: is a pickle and was not trusted")
        if _is_text(p):
            raise ModelLoadError(
                f"{label}: cannot be loaded as a model: it is a text file, not a model saved "
                "with joblib, pickle or skops"
            )
        import joblib

        return joblib.load(p)
    except ModelLoadError:
        raise
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise ModelLoadError(f"{label}: cannot be loaded as a model ({reason})") from None


def load_registered_model(
    path: Path,
    *,
    ref: str,
    sha256: str | None,
    trust_pickle: bool = False,
    trusted: Sequence[str] | None = None,
    registered_by: str | None = None,
    registered_at: datetime | None = None,
) -> Any:
    """Load model version *ref* of the registry from its artifact *path*, safely.

    The file must still have the SHA-256 recorded when it was registered. A ``.skops`` file
    loads with skops' safe loader (scikit-learn's own types, and those in *trusted*). A
    pickle runs whatever code it holds, so it loads only with *trust_pickle*, and the
    refusal names who registered it.

    Raises
    ------
    ModelLoadError
        The file is missing or changed, or it is a pickle the user did not trust.
    """
    from modelpact.ledger.artifacts import file_sha256

    who = registered_by or "an unknown user"
    when = f" on {registered_at:%Y-%m-%d %H:%M} UTC" if registered_at else ""
    if not path.exists():
        raise ModelLoadError(
            f"model {ref}: its file {path} is missing from the artifact store; was the "
            "directory moved or cleaned?"
        )
    if sha256 is not None:
        found = file_sha256(path)
        if found != sha256:
            raise ModelLoadError(
                f"model {ref}: its file {path} is not the one {who} registered{when} "
                f"(sha256 {sha256[:16]}... recorded, {found[:16]}... found); not loading it"
            )
    pickle = path.suffix != ".skops"
    if pickle and not trust_pickle:
        raise ModelLoadError(
            f"model {ref} is a pickle registered by {who}{when}; loading it runs any code it "
            f"holds. If you trust {who}'s file, pass --trust-pickle (or set trust_pickle = true "
            "under [store] in modelpact.toml)"
        )
    skops_types = list(trusted or [])
    if not pickle:
        import skops.io as sio

        skops_types += [
            t for t in sio.get_untrusted_types(file=path) if t.startswith(_REGISTRY_TRUSTED_PREFIXES)
        ]
    return _load(path, trusted=skops_types, label=f"model {ref}", allow_pickle=trust_pickle)


def _is_text(path: Path) -> bool:
    """Whether *path* starts like text: pickles and compressed joblib files do not."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a character cut by the 4096-byte boundary
    return all(byte >= 0x20 or byte in b"\t\n\r\f" for byte in head)


def model_columns(
    model: Any,
    frame: pd.DataFrame,
    *,
    declared: Sequence[str] | None = None,
    roles: Iterable[str] = (),
) -> list[str]:
    """The columns to feed *model*: what it was fitted on, else *declared*, else the rest.

    "The rest" is every column of *frame* that plays none of the *roles* (target, id,
    score...).
    """
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    if declared:
        return list(declared)
    taken = set(roles)
    return [str(c) for c in frame.columns if c not in taken]


def feature_columns(model: Any, pact: Pact, frame: pd.DataFrame) -> list[str]:
    """The columns to feed the model: what it was fitted on, else the pact's, else the rest."""
    return model_columns(model, frame, declared=pact.columns.features, roles=pact.columns.roles())


def predict_with_model(
    model: Any, pact: Pact, frame: pd.DataFrame, target: Target, *, name: str, source: str
) -> Predictions:
    """Predict on *frame* with *model* as the pact's task and threshold require."""
    return predict(
        model,
        frame,
        model_columns(model, frame, declared=pact.columns.features, roles=pact.columns.roles()),
        task=pact.task,
        classes=target.classes,
        threshold=pact.threshold,
        name=name,
        source=source,
    )


def predict(
    model: Any,
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    task: str,
    classes: Sequence[Any],
    threshold: float,
    name: str,
    source: str,
) -> Predictions:
    """Predict with a fitted model: the one way modelpact turns a model into predictions.

    Parameters
    ----------
    model
        A fitted scikit-learn compatible estimator.
    frame, columns
        The rows, and the columns the model reads.
    task
        ``binary``, ``multiclass`` or ``regression``.
    classes
        The class values in code order (binary: ``(negative, positive)``); matched to the
        model's ``classes_`` by value or by their text. Unused for regression.
    threshold
        Binary only: a row is predicted positive when P(positive) >= *threshold*.
    name, source
        The model's display name and where the rows come from, for messages.

    Returns
    -------
    Predictions
        Binary: codes 0/1 and P(positive); multiclass: codes in *classes* order and the
        ``(n, K)`` probabilities in that order; regression: the values. A classifier without
        ``predict_proba`` gives codes only.
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ModelLoadError(
            f"{source}: the model '{name}' needs column '{missing[0]}', which the data lacks"
        )
    X = frame[list(columns)]
    try:
        if task == "regression":
            return Predictions(name, np.asarray(model.predict(X), dtype=float), None)
        if not hasattr(model, "predict_proba"):
            label = np.asarray(model.predict(X))
            return Predictions(name, _codes(label, task, classes, name), None)
        proba = np.asarray(model.predict_proba(X), dtype=float)
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"model '{name}' failed to predict on {source}: {exc}") from None
    model_classes = [str(c) for c in getattr(model, "classes_", range(proba.shape[1]))]
    if task == "binary":
        positive = str(classes[1])
        if positive not in model_classes:
            if model_classes == ["0", "1"] or model_classes == ["False", "True"]:
                positive_index = 1  # the model was fitted on the encoded target
            else:
                raise ModelLoadError(
                    f"model '{name}' knows classes {model_classes}, not the positive "
                    f"class {classes[1]!r}"
                )
        else:
            positive_index = model_classes.index(positive)
        score = proba[:, positive_index]
        return Predictions(name, (score >= threshold).astype(np.int64), score)
    order = []
    for c in classes:
        if str(c) not in model_classes:
            raise ModelLoadError(f"model '{name}' has no probability for class {c!r}")
        order.append(model_classes.index(str(c)))
    proba_m = proba[:, order]
    return Predictions(name, proba_m.argmax(axis=1).astype(np.int64), proba_m)


def _codes(label: Any, task: str, classes: Sequence[Any], name: str) -> Any:
    text = pd.Series(label).astype(str)
    if task == "binary":
        return (text == str(classes[1])).to_numpy(dtype=np.int64)
    index = {str(c): i for i, c in enumerate(classes)}
    unknown = ~text.isin(index)
    if unknown.any():
        raise ModelLoadError(
            f"model '{name}' predicts {plain_repr(text[unknown].iloc[0])}, not a known class"
        )
    return text.map(index).to_numpy(dtype=np.int64)
