"""Child-process side of a trainer run: import the user's trainer, fit, save the model.

Run as ``python path/to/_child.py`` (a script, so it imports nothing of modelpact); the parent (:mod:`modelpact.retrain.trainer`)
enforces the time limit and records a crash. Importing the trainer runs the user's own code,
which the pact names explicitly: the same trust as running their training script.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any

EXIT_BAD_MODEL = 3


def _resolve(entry: str) -> Any:
    module_name, _, function = entry.partition(":")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, function)
    except AttributeError:
        raise SystemExit(f"trainer '{entry}': module '{module_name}' has no '{function}'") from None


def _not_a_model(entry: str, model: Any) -> str | None:
    """Why what the trainer returned cannot be used, or None when it can."""
    if model is None or not hasattr(model, "predict"):
        return (
            f"trainer '{entry}' returned {type(model).__name__}, not a fitted estimator "
            "with predict()"
        )
    return None


def serve(entry: str) -> int:
    """A warm worker: answer training requests on stdin until it closes.

    Each request is a pickled ``(train_frame, champion_or_None)``; each answer a pickled
    ``("ok", model)`` or ``("error", message)``. The trainer is imported once, which is what
    makes the worker warm; the parent enforces the time limit by killing the worker.
    """
    import pickle
    import traceback

    # the protocol owns the real stdout; whatever the trainer prints goes to stderr
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    fit = _resolve(entry)
    while True:
        try:
            frame, champion = pickle.load(requests)
        except EOFError:
            return 0
        try:
            model = fit(frame) if champion is None else fit(frame, champion=champion)
            problem = _not_a_model(entry, model)
            answer: tuple[str, Any] = ("ok", model) if problem is None else ("error", problem)
        except Exception as exc:  # the trainer's own failure, reported, the worker lives on
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            answer = ("error", last)
        pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


def main(argv: list[str] | None = None) -> int:
    """Fit with the trainer named by ``--entry`` and write the model to ``--out``."""
    parser = argparse.ArgumentParser(prog="modelpact.retrain._child")
    parser.add_argument("--entry", required=True)
    parser.add_argument("--train")
    parser.add_argument("--out")
    parser.add_argument("--champion")
    parser.add_argument("--path", action="append", default=[])
    parser.add_argument("--serve", action="store_true")
    args = parser.parse_args(argv)
    # the trainer's package is looked up where the user ran the command, as Python would
    for path in reversed(args.path):
        sys.path.insert(0, path)
    if args.serve:
        return serve(args.entry)
    import joblib
    import pandas as pd

    fit = _resolve(args.entry)
    frame = pd.read_parquet(args.train)
    model = fit(frame, champion=joblib.load(args.champion)) if args.champion else fit(frame)
    problem = _not_a_model(args.entry, model)
    if problem is not None:
        sys.stderr.write(problem + "\n")
        return EXIT_BAD_MODEL
    joblib.dump(model, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
