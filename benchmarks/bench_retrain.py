"""The retraining loop replayed on a real drifting stream: is the gate both safe and good?

Data: ``electricity.csv`` (45,312 rows in time order, 8 features, label UP/DOWN). Every
strategy starts from a model fitted on the first 2,000 rows and is scored *prequentially*: each
batch of rows (500 for batch models, the cadence for River) is predicted by the model in place
before its labels arrive; then the labels arrive, and the strategy may retrain. Strategies:

* ``frozen``: the initial HistGradientBoosting model, never replaced;
* ``blind``: every N rows (5,000 and each ``--every``), HistGradientBoosting on the last 5,000
  rows replaces the model;
* ``gated batch``: modelpact's loop (:func:`modelpact.retrain.retrain`, a real SQLite ledger,
  the trainer in a warm child process) with the same trainer, trigger and window at the same
  cadences: the newest ``--holdout`` rows are held out, the challenger must meet the pact and
  be no worse than the champion within the margin (paired), and after a promotion it is refit
  on the whole window;
* ``gated incremental``: the same loop with an incremental trainer (a copy of the champion,
  River's adaptive random forest wrapped as a scikit-learn estimator, learns the new rows);
* ``River online``: the adaptive random forest learning after every row (test-then-train);
* ``gated online``: the same forest learning after every row under
  :class:`modelpact.retrain.OnlineLearner` (a real SQLite ledger): every N labelled rows the gate
  keeps the learning (a new checkpoint and champion) or rolls the forest back to the last one;
* ``River every N rows``: the forest learning each batch of N rows after predicting it, with
  no gate: the most a loop that swaps models every N rows could get from it;
* ``persistence``: the previous row's label.

A replacement is *harmful* when the new model is less accurate than the one it replaced on the
next 1,000 rows. Finally every strategy's predictions are verified against a pact whose baseline is
``persistence`` (criterion: accuracy improves on it): a strategy that loses to "same as last
time" must fail.

River lives in the benchmark's own environment, never in the project's::

    python3 -m venv .venv-bench-river
    .venv-bench-river/bin/pip install -e . river
    .venv-bench-river/bin/python benchmarks/bench_retrain.py

``--skip-river`` runs the rest with the project's own ``.venv``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from retrain_trainers import FEATURES, TARGET, fit_hgb  # noqa: E402

DATA = HERE.parents[1] / "shared" / "datasets" / "electricity.csv"
INITIAL, CHUNK, EVERY, NEXT = 2000, 500, 5000, 1000

# The pact every gated strategy signs: its name and retraining section differ, not its terms.
TERMS = """
task: binary
positive_class: UP
columns: {{target: class, time: t, features: {features}}}
criteria:
  - {{metric: accuracy, at_least: 0.5}}
"""

PACT = """
name: electricity""" + TERMS + """retraining:
  trainer: retrain_trainers:{trainer}
  incremental: {incremental}
  window: {{last_rows: {window}}}
  holdout_rows: {holdout}
  triggers: {{every_rows: {every}}}
  promotion: {rule}
  margin: {margin}
  auto_promote: true
  refit_on_window: true
  timeout: 600
"""

PERSISTENCE_PACT = """
name: beat-persistence
task: binary
positive_class: UP
columns: {target: class, prediction: predicted, time: t}
baseline: persistence
criteria:
  - {metric: accuracy, vs_baseline: improve, by: 0}
"""


@dataclass
class Replay:
    """Predictions and the bookkeeping of one strategy."""

    name: str
    predicted: np.ndarray[Any, Any]
    retrainings: int = 0
    promotions: int = 0
    harmful: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    notes: list[str] = field(default_factory=list)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _chunks(n: int, size: int = CHUNK) -> list[tuple[int, int]]:
    return [(s, min(s + size, n)) for s in range(INITIAL, n, size)]


def _harmful(data: pd.DataFrame, old: Any, new: Any, start: int) -> bool:
    """The new model is less accurate than the old one on the chunk after the swap."""
    rows = data.iloc[start : start + NEXT]
    if rows.empty:
        return False
    y = rows[TARGET].to_numpy()
    return bool(
        (new.predict(rows[FEATURES]) == y).mean() < (old.predict(rows[FEATURES]) == y).mean()
    )


def replay_models(
    name: str, data: pd.DataFrame, initial: Any, retrain_at: Callable[[int], Any | None]
) -> Replay:
    """Prequential replay where ``retrain_at(end)`` may return a replacement model."""
    start_wall, start_cpu = time.perf_counter(), _cpu()
    predicted = np.empty(len(data) - INITIAL, dtype=object)
    model, result = initial, Replay(name, predicted)
    for s, e in _chunks(len(data)):
        predicted[s - INITIAL : e - INITIAL] = model.predict(data.iloc[s:e][FEATURES])
        new = retrain_at(e)
        if new is not None:
            result.retrainings += 1
            result.promotions += 1
            result.harmful += _harmful(data, model, new, e)
            model = new
    result.wall, result.cpu = time.perf_counter() - start_wall, _cpu() - start_cpu
    return result


def replay_gated(
    name: str,
    data: pd.DataFrame,
    initial: Any,
    *,
    trainer: str,
    incremental: bool,
    every: int,
    window: int,
    holdout: int,
    margin: float,
    rule: str = "non_inferiority",
    chunk: int = CHUNK,
) -> Replay:
    """Prequential replay of modelpact's loop, deciding with a real ledger.

    The trainer runs in a warm worker (:class:`~modelpact.retrain.TrainerWorkers`): a child
    process of its own, started once, with the pact's time limit on every turn.
    """
    from modelpact.ledger import open_store
    from modelpact.pact import parse_pact
    from modelpact.retrain import FrameSource, TrainerWorkers, retrain

    pact = parse_pact(
        PACT.format(
            features="[" + ", ".join(FEATURES) + "]",
            trainer=trainer,
            incremental=str(incremental).lower(),
            window=window,
            holdout=holdout,
            every=every,
            margin=margin,
            rule=rule,
        )
    )
    start_wall, start_cpu = time.perf_counter(), _cpu()
    predicted = np.empty(len(data) - INITIAL, dtype=object)
    result = Replay(name, predicted)
    rejected: list[str] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        open_store(root=Path(tmp)) as store,
        TrainerWorkers() as workers,
    ):
        store.ensure_project("electricity", pact)
        first = store.register_model(project="electricity", model=initial, name="initial")
        store.set_stage(first.id, "champion", forced=True, reason="fitted on the first rows")
        model, version = initial, first.id
        # the initial fit, recorded as the first retraining: the trigger counts rows from there
        seed_run = store.create_run(
            "electricity",
            name="retrain",
            params={"kind": "retrain", "watermark": INITIAL - 1, "rows_seen": INITIAL},
        )
        store.finish_run(seed_run.id)
        for s, e in _chunks(len(data), chunk):
            predicted[s - INITIAL : e - INITIAL] = model.predict(data.iloc[s:e][FEATURES])
            if (e - INITIAL) % every:
                continue  # the trigger could not fire: spare the replay the window's loading
            turn = retrain(
                store,
                "electricity",
                FrameSource(data.iloc[max(0, e - window) : e]),
                cwd=HERE,
                explain=False,
                workers=workers,
                trust_pickle=True,  # the benchmark's own River models, pickled by joblib
            )
            if turn.action == "not_due":
                continue
            result.retrainings += 1
            if turn.action == "failed":
                result.notes.append(f"row {e}: {turn.error}")
            if turn.action == "reject" and turn.gate is not None:
                rejected.append(f"{e:,} ({turn.gate.outcome})")
            champion = store.get_model_version("electricity@champion")
            if champion.id != version:
                new = store.load_model(champion.id, trust_pickle=True)
                result.promotions += 1
                result.harmful += _harmful(data, model, new, e)
                model, version = new, champion.id
    if rejected:
        result.notes.append("rejected at rows " + ", ".join(rejected))
    result.wall, result.cpu = time.perf_counter() - start_wall, _cpu() - start_cpu
    return result


ONLINE_PACT = """
name: electricity-online""" + TERMS + """retraining:
  triggers: {{every_rows: {every}}}
  promotion: {rule}
  margin: {margin}
  auto_promote: true
"""


def _broken(sabotage: tuple[int, int] | None) -> str:
    if sabotage is None:
        return ""
    return f"; update broken (labels learned inverted) on rows {sabotage[0]:,}-{sabotage[1]:,}"


def replay_gated_online(
    data: pd.DataFrame,
    *,
    every: int,
    rule: str,
    margin: float,
    sabotage: tuple[int, int] | None = None,
) -> Replay:
    """River's forest learning after every row under :class:`modelpact.retrain.OnlineLearner`.

    Each row is predicted by the live learner, then learned (test-then-train, as River
    online); every *every* labelled rows the gate keeps the learning (a new checkpoint and
    champion in a real SQLite ledger) or rolls the learner back to the last checkpoint.
    Harmful = a kept checkpoint less accurate than the one it replaced on the next 1,000
    rows, measured after the replay (outside its timing) from the models in the ledger.
    With *sabotage* ``(start, end)`` the forest's update learns every label inverted on
    those rows (predictions are still scored against the true labels).
    """
    from retrain_trainers import RiverClassifier

    from modelpact.ledger import open_store
    from modelpact.pact import parse_pact
    from modelpact.retrain import OnlineLearner

    pact = parse_pact(
        ONLINE_PACT.format(
            features="[" + ", ".join(FEATURES) + "]", every=every, rule=rule, margin=margin
        )
    )
    start_wall, start_cpu = time.perf_counter(), _cpu()
    predicted = np.empty(len(data) - INITIAL, dtype=object)
    result = Replay(
        f"gated online River (modelpact OnlineLearner), gate every {every:,} rows, {rule} "
        f"margin {margin:g}{_broken(sabotage)}",
        predicted,
    )
    kept: list[tuple[int, str, str]] = []
    actions = {"promote": 0, "rollback": 0, "continue": 0}
    rolled: list[str] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        open_store(f"sqlite:///{Path(tmp) / 'ledger.db'}", root=Path(tmp)) as store,
    ):
        store.ensure_project("electricity", pact)
        initial = RiverClassifier().learn(data.iloc[:INITIAL], data[TARGET].iloc[:INITIAL])
        first = store.register_model(project="electricity", model=initial, name="initial")
        store.set_stage(first.id, "champion", forced=True, reason="fitted on the first rows")
        with OnlineLearner(store, "electricity", trust_pickle=True) as online:
            for i in range(INITIAL, len(data)):
                row = data.iloc[i : i + 1]
                RiverClassifier.broken = sabotage is not None and sabotage[0] <= i < sabotage[1]
                predicted[i - INITIAL] = online.predict(row)[0]
                before = online.champion
                for turn in online.learn(row, row[TARGET]):
                    result.retrainings += 1
                    actions[turn.action] += 1
                    if turn.action == "promote":
                        kept.append((i + 1, before, online.champion))
                    elif turn.action == "rollback":
                        rolled.append(f"{i + 1:,}")
        RiverClassifier.broken = False
        result.promotions = actions["promote"]
        result.wall, result.cpu = time.perf_counter() - start_wall, _cpu() - start_cpu
        for end, old, new in kept:
            result.harmful += _harmful(
                data,
                store.load_model(old, trust_pickle=True),
                store.load_model(new, trust_pickle=True),
                end,
            )
    result.notes.append(
        f"{result.retrainings} gates: {actions['promote']} kept (checkpoint promoted), "
        f"{actions['rollback']} rolled back, {actions['continue']} continued"
        + (f"; rolled back at rows {', '.join(rolled)}" if rolled else "")
    )
    return result


def replay_river_online(data: pd.DataFrame, sabotage: tuple[int, int] | None = None) -> Replay:
    """River's forest learning after every row; with *sabotage*, learning the labels of those
    rows inverted (as :func:`replay_gated_online`)."""
    from retrain_trainers import RiverClassifier

    start_wall, start_cpu = time.perf_counter(), _cpu()
    model = RiverClassifier().learn(data.iloc[:INITIAL], data[TARGET].iloc[:INITIAL])
    rows = data.iloc[INITIAL:][FEATURES].to_dict(orient="records")
    predicted = np.empty(len(rows), dtype=object)
    start, end = sabotage or (0, 0)
    for i, (row, label) in enumerate(zip(rows, data[TARGET].iloc[INITIAL:], strict=True)):
        proba = model.model.predict_proba_one(row)
        predicted[i] = max(proba, key=proba.get) if proba else "DOWN"
        broken = start <= i + INITIAL < end
        model.model.learn_one(row, ("DOWN" if label == "UP" else "UP") if broken else label)
    result = Replay(f"River online (ARF, test-then-train){_broken(sabotage)}", predicted)
    result.wall, result.cpu = time.perf_counter() - start_wall, _cpu() - start_cpu
    return result


def replay_river_every(data: pd.DataFrame, every: int) -> Replay:
    """River's forest updated with each batch of *every* rows after predicting it, no gate:
    the most any loop that swaps models every *every* rows can get from it."""
    from retrain_trainers import RiverClassifier

    start_wall, start_cpu = time.perf_counter(), _cpu()
    model = RiverClassifier().learn(data.iloc[:INITIAL], data[TARGET].iloc[:INITIAL])
    predicted = np.empty(len(data) - INITIAL, dtype=object)
    for s, e in _chunks(len(data), every):
        rows = data.iloc[s:e]
        predicted[s - INITIAL : e - INITIAL] = model.predict(rows)
        model.learn(rows, rows[TARGET])
    result = Replay(f"River ARF updated every {every:,} rows, no gate (a loop's ceiling)", predicted)
    result.wall, result.cpu = time.perf_counter() - start_wall, _cpu() - start_cpu
    return result


def persistence(data: pd.DataFrame) -> Replay:
    labels = data[TARGET].to_numpy()
    return Replay("persistence (previous label)", labels[INITIAL - 1 : -1].copy())


def against_persistence(data: pd.DataFrame, replay: Replay) -> tuple[str, float, float]:
    """The strategy's verdict under a pact whose baseline is persistence."""
    from modelpact import verify
    from modelpact.pact import parse_pact

    frame = pd.DataFrame(
        {
            "class": data[TARGET].iloc[INITIAL:].to_numpy(),
            "predicted": replay.predicted,
            "t": np.arange(INITIAL, len(data)),
        }
    )
    verdict = verify(parse_pact(PERSISTENCE_PACT), frame)
    criterion = verdict.criteria[0]
    return verdict.verdict, float(criterion.estimate), float(criterion.ci[0])


def report(data: pd.DataFrame, r: Replay) -> None:
    """Print the strategy's table row (and notes) at once, so a long run shows progress."""
    accuracy = float((r.predicted == data[TARGET].to_numpy()[INITIAL:]).mean())
    if r.name.startswith("persistence"):
        pact = "— (is the baseline)"
    else:
        verdict, delta, low = against_persistence(data, r)
        pact = f"{verdict} ({delta:+.3f}, {low:+.3f})"
    print(
        f"| {r.name} | {accuracy:.3f} | {r.retrainings} | {r.promotions} | {r.harmful} | "
        f"{pact} | {r.wall:.1f} | {r.cpu:.1f} |",
        flush=True,
    )
    for note in r.notes:
        print(f"  note: {note}", flush=True)


def blind(data: pd.DataFrame, initial: Any, every: int) -> Replay:
    """Every *every* rows, HistGradientBoosting on the last 5,000 rows replaces the model."""
    return replay_models(
        f"blind: retrain every {every:,} rows on the last {EVERY:,}, always replace",
        data,
        initial,
        lambda e: fit_hgb(data.iloc[max(0, e - EVERY) : e]) if (e - INITIAL) % every == 0 else None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-river", action="store_true")
    parser.add_argument("--only-river", action="store_true")
    parser.add_argument(
        "--every", type=int, nargs="+", default=[2500], help="cadences of the gated batch loop"
    )
    parser.add_argument("--holdout", type=int, default=500)
    parser.add_argument("--margins", type=float, nargs="+", default=[0.02])
    parser.add_argument(
        "--rules",
        nargs="+",
        default=["non_inferiority"],
        choices=["non_inferiority", "superiority", "unless_worse"],
    )
    parser.add_argument("--incremental-every", type=int, default=200)
    parser.add_argument("--incremental-holdout", type=int, default=100)
    parser.add_argument("--incremental-rule", default="unless_worse")
    parser.add_argument("--incremental-margin", type=float, default=0.05)
    parser.add_argument(
        "--river-cadences", type=int, nargs="*", default=[5, 20, 50, 200],
        help="River updated every N rows without a gate (the ceiling of a loop at that cadence)",
    )
    parser.add_argument("--skip-online", action="store_true", help="skip River online")
    parser.add_argument(
        "--skip-incremental", action="store_true", help="skip the gated incremental loop"
    )
    parser.add_argument(
        "--skip-gated-online", action="store_true", help="skip gated online learning"
    )
    parser.add_argument("--online-every", type=int, default=1000)
    parser.add_argument("--online-rule", default="unless_worse")
    parser.add_argument("--online-margin", type=float, default=0.05)
    parser.add_argument(
        "--sabotage",
        type=int,
        nargs=2,
        metavar=("START", "END"),
        help="River online and gated online learn the labels of rows START..END inverted",
    )
    parser.add_argument("--rows", type=int, help="only the first N rows (a quick smoke run)")
    args = parser.parse_args()
    os.environ.setdefault("DO_NOT_TRACK", "1")
    data = pd.read_csv(DATA, nrows=args.rows)
    data["t"] = np.arange(len(data))
    initial = fit_hgb(data.iloc[:INITIAL])
    print(
        "| strategy | accuracy | retrainings | promotions | harmful promotions | "
        "vs persistence pact (Δ accuracy, lower bound) | wall s | CPU s |"
    )
    print("|---|---|---|---|---|---|---|---|", flush=True)
    if not args.only_river:
        report(data, replay_models("frozen", data, initial, lambda e: None))
        for every in dict.fromkeys([EVERY, *args.every]):
            report(data, blind(data, initial, every))
            for rule in args.rules:
                for margin in args.margins:
                    report(
                        data,
                        replay_gated(
                            f"gated batch (modelpact) every {every:,} rows, window {EVERY:,}, "
                            f"holdout {args.holdout:,}, {rule} margin {margin:g}, refit",
                            data,
                            initial,
                            trainer="fit_hgb",
                            incremental=False,
                            every=every,
                            window=EVERY,
                            holdout=args.holdout,
                            margin=margin,
                            rule=rule,
                        ),
                    )
    if not args.skip_river:
        sabotage = (args.sabotage[0], args.sabotage[1]) if args.sabotage else None
        from retrain_trainers import fit_river

        if not args.skip_online:
            report(data, replay_river_online(data, sabotage))
        if not args.skip_gated_online:
            report(
                data,
                replay_gated_online(
                    data,
                    every=args.online_every,
                    rule=args.online_rule,
                    margin=args.online_margin,
                    sabotage=sabotage,
                ),
            )
        for every in args.river_cadences:
            report(data, replay_river_every(data, every))
        every = args.incremental_every
        if not args.skip_incremental:
            report(
                data,
                replay_gated(
                    f"gated incremental River (modelpact) every {every:,} rows, holdout "
                    f"{args.incremental_holdout:,}, {args.incremental_rule} margin "
                    f"{args.incremental_margin:g}, refit",
                    data,
                    fit_river(data.iloc[:INITIAL]),
                    trainer="update_river",
                    incremental=True,
                    every=every,
                    window=every,
                    holdout=args.incremental_holdout,
                    margin=args.incremental_margin,
                    rule=args.incremental_rule,
                    chunk=every,
                ),
            )
    report(data, persistence(data))


if __name__ == "__main__":
    main()
