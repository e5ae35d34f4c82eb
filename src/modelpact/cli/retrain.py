"""``modelpact retrain``: one turn of the retraining loop, for cron or an orchestrator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from modelpact.cli._common import (
    announce,
    check_outputs,
    err_console,
    out_console,
    write_outputs,
)
from modelpact.cli.app import app
from modelpact.cli.runs import STORE_HELP, styled
from modelpact.errors import ConfigurationError, InvalidDataError
from modelpact.pact import Pact, load_pact

_STATUS = {"pass": "green", "fail": "red", "inconclusive": "yellow"}
_ACTION = {
    "promote": "bold green",
    "hold": "yellow",
    "reject": "red",
    "failed": "red",
    "not_due": "dim",
}


def _monitoring(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise InvalidDataError(f"{path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise InvalidDataError(f"{path}: not a JSON file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("schema") != "modelpact.monitor/v1":
        raise InvalidDataError(
            f"{path}: not a monitoring result (expected schema modelpact.monitor/v1; write one "
            "with 'modelpact monitor ... --json FILE')"
        )
    return doc


def _stored_pact(ledger: Any, project: str) -> Pact:
    pact: Pact | None = ledger.pinned_pact(project)
    if pact is None:
        raise ConfigurationError(
            f"project '{project}' has no pact in the ledger; pass the pact file with --pact"
        )
    return pact


@app.command("retrain")
def retrain_command(
    project: str = typer.Option(..., "--project", "-p", help="The ledger project."),
    data: list[Path] | None = typer.Option(
        None,
        "--data",
        help="Training window rows (CSV or Parquet), oldest first; repeat for several files. "
        "Without it, the rows captured for --model.",
    ),
    pact: Path | None = typer.Option(
        None, "--pact", help="The pact file (default: the project's pact in the ledger)."
    ),
    model: str | None = typer.Option(
        None,
        "--model",
        help="The captured model (see 'modelpact capture add-model') whose labelled rows are "
        "the training window and whose stored monitoring alerts are triggers.",
    ),
    champion: str | None = typer.Option(
        None, "--champion", help="The version to challenge (default PROJECT@champion)."
    ),
    monitor: Path | None = typer.Option(
        None,
        "--monitor",
        help="A monitoring result (monitor --json) whose alerts are triggers (default with "
        "--model: its latest result stored in the ledger since the last retraining).",
    ),
    force: bool = typer.Option(False, "--force", help="Retrain even if no trigger fired."),
    shadow: bool = typer.Option(
        False,
        "--shadow",
        help="With --model: unless the holdout shows it failing, hold the challenger in shadow "
        "beside the captured model (its live answers are sent with Client.log_shadow).",
    ),
    decide_shadow: bool = typer.Option(
        False,
        "--decide-shadow",
        help="With --model: gate the candidate in shadow on the labelled shadow rows (paired "
        "by prediction id with the champion's live answers) and decide; nothing is trained.",
    ),
    check: bool = typer.Option(
        False, "--check", help="Only say whether a trigger fired and why (exit 1 if one did)."
    ),
    json_out: Path | None = typer.Option(
        None, "--json", help="Write modelpact.retrain/v1 JSON here."
    ),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML report here."),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed of the gate."),
    trust_pickle: bool = typer.Option(
        False,
        "--trust-pickle",
        help="Load a champion stored as a pickle (it runs the code it holds). scikit-learn "
        "champions are stored in skops format and need no trust.",
    ),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Retrain on fresh data, gate the challenger on the pact and the champion, decide.

    The pact's `retraining:` section names the triggers, the training window, the trainer
    (`trainer: package.module:function`, the team's own code, run in a child process with a
    time limit) and the promotion rule. The newest labelled rows are held out and never
    trained on; the challenger must meet every criterion of the pact on them and beat the
    champion by the rule (non-inferiority within the margin by default), paired on the same
    rows. It is then promoted (with `auto_promote: true`), held for
    `modelpact models approve`, or rejected; everything is recorded in the ledger.

    Example (cron): `modelpact retrain --project churn --data window.parquet --monitor monitor.json`,
    or on the rows the monitoring service captured: `modelpact retrain --project churn
    --model gbm`.

    Exit codes: 0 promoted (or no trigger fired), 1 held, rejected or training failed,
    3 inconclusive, 2 usage or input error. With --check: 0 not due, 1 due.
    """
    from modelpact.cli._ledger import pickle_trusted
    from modelpact.ledger import open_configured_store
    from modelpact.retrain import CaptureSource, FileSource, WindowSource
    from modelpact.retrain import check as check_due
    from modelpact.retrain import retrain as run_retrain
    from modelpact.retrain.loop import require_pinned

    check_outputs(json_out, html)
    trust_pickle = pickle_trusted(trust_pickle)
    if (shadow or decide_shadow) and model is None:
        raise ConfigurationError("--shadow and --decide-shadow need --model NAME (a captured model)")
    if decide_shadow and (data or check or shadow or force):
        raise ConfigurationError(
            "--decide-shadow trains nothing: give it only --project, --model and outputs"
        )
    if (not data) == (model is None):
        raise ConfigurationError(
            "give the training window as either --data FILE or --model NAME (a captured model)"
        )
    pact_obj = load_pact(pact) if pact is not None else None
    monitoring = _monitoring(monitor)
    console = out_console()
    with open_configured_store(store, create=True) as ledger:
        if pact_obj is not None:
            # before any training: a loop under an unapproved pact could never promote
            require_pinned(ledger, project, pact_obj, named=str(pact))
        if decide_shadow:
            from modelpact.retrain.shadow import decide_shadow as run_decide_shadow

            assert model is not None
            with err_console().status("deciding on the shadow rows", spinner="dots"):
                result = run_decide_shadow(ledger, project, model, seed=seed)
            _finish(result, json_out, html)
        source: WindowSource
        if model is not None:
            source = CaptureSource(
                ledger, project, model, pact_obj or _stored_pact(ledger, project)
            )
        else:
            source = FileSource(data or [])
        if check:
            report = check_due(ledger, project, source, pact=pact_obj, monitoring=monitoring)
            console.print(report.summary())
            announce(
                write_outputs(
                    [("triggers", json_out, lambda: json.dumps(report.to_dict(), indent=2))]
                )
            )
            raise typer.Exit(report.exit_code)
        with err_console().status("retraining", spinner="dots"):
            result = run_retrain(
                ledger,
                project,
                source,
                pact=pact_obj,
                champion=champion,
                monitoring=monitoring,
                force=force,
                seed=seed,
                trust_pickle=trust_pickle,
                shadow=model if shadow else None,
            )
    _finish(result, json_out, html)


def _finish(result: Any, json_out: Path | None, html: Path | None) -> None:
    _render(result)
    written = write_outputs(
        [
            ("retraining", json_out, lambda: json.dumps(result.to_dict(), indent=2, default=str)),
            ("HTML report", html, result.to_html),
        ]
    )
    announce(written)
    raise typer.Exit(result.exit_code)


def _render(result: Any) -> None:
    console = out_console()
    action = result.action
    label = action.upper().replace("_", " ")
    if result.decision.inconclusive:
        label += " (INCONCLUSIVE)"
    console.print(f"[{_ACTION[action]}] {label} [/]  {result.summary()}")
    if result.triggers.fired:
        console.print("trigger: " + "; ".join(result.triggers.reasons))
    if result.mode == "shadow":
        console.print(
            f"shadow rows: {result.window['labelled']:,} labelled of {result.window['rows']:,} "
            f"live answers ({result.window['source']})"
        )
    elif result.window:
        w = result.window
        console.print(
            f"window: {w['window_rows']:,} labelled rows from {w['source']}; trained on "
            f"{w['train']['rows']:,} ({w['train']['span']}), held out the newest "
            f"{w['holdout']['rows']:,} ({w['holdout']['span']}; size from {w['holdout']['size_from']})"
        )
    gate = result.gate
    if gate is not None:
        table = Table(title="gate on the holdout", title_justify="left")
        for column in ("criterion", "estimate", "bounds", "n", "status"):
            table.add_column(column)
        rows = list(gate.verdict.criteria)
        if gate.versus_champion is not None:
            rows.append(gate.versus_champion)
        for c in rows:
            delta = "Δ " if c.reference else ""
            table.add_row(
                c.label + (" (promotion rule)" if c is gate.versus_champion else ""),
                f"{delta}{c.estimate:.4g}",
                f"[{c.ci[0]:.4g}, {c.ci[1]:.4g}]",
                f"{c.n:,}",
                styled(c.status, _STATUS),
            )
        console.print(table)
        for line in gate.behaviour:
            console.print(f"behaviour: {line}")
    for reason in result.decision.reasons[-1:]:
        console.print(f"decision: {reason}")
    if result.run_id:
        console.print(f"recorded as run {result.run_id[:8]}")
    if result.mode != "shadow" and "shadow mode" in (result.decision.reasons or ("",))[-1]:
        version = (result.challenger or "").rpartition(":")[2]
        console.print(
            f"send its live answers with Client.log_shadow(..., candidate={version}); decide "
            f"with 'modelpact retrain --project {result.project} --model MODEL --decide-shadow'"
        )
