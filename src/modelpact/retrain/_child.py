"""Child-process side of a trainer run: import the user's trainer, fit, save the model.

Run as ``python path/to/_child.py`` (a script, so it imports nothing of modelpact); the parent (:mod:`modelpact.retrain.trainer`)
enforces the time limit and records a crash. Importing the trainer runs the user's own code,
which the pact names explicitly: the same trust as running their training script.
"""

from __future__ import annotations

import argparse
import importlib
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


def main(argv: list[str] | None = None) -> int:
    """Fit with the trainer named by ``--entry`` and write the model to ``--out``."""
    parser = argparse.ArgumentParser(prog="modelpact.retrain._child")
    parser.add_argument("--entry", required=True)
    parser.add_argument("--train", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--champion")
    parser.add_argument("--path", action="append", default=[])
    args = parser.parse_args(argv)
    # the trainer's package is looked up where the user ran the command, as Python would
    for path in reversed(args.path):
        sys.path.insert(0, path)
    import joblib
    import pandas as pd

    fit = _resolve(args.entry)
    frame = pd.read_parquet(args.train)
    model = fit(frame, champion=joblib.load(args.champion)) if args.champion else fit(frame)
    if model is None or not hasattr(model, "predict"):
        sys.stderr.write(
            f"trainer '{args.entry}' returned {type(model).__name__}, not a fitted estimator "
            "with predict()\n"
        )
        return EXIT_BAD_MODEL
    joblib.dump(model, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
