"""``modelpact models``: the model registry: versions, their stage, promotion by the pact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from modelpact.cli._common import out_console
from modelpact.cli.app import app
from modelpact.cli.runs import STORE_HELP, styled
from modelpact.report._tables import table_of

if TYPE_CHECKING:
    from modelpact.ledger import ModelVersion

# The ledger's stages, spelled out so that the command line starts without loading the
# ledger (tests/cli pin them to modelpact.ledger.STAGES).
STAGES = ("candidate", "signed_off", "champion", "retired")

__all__ = ["models_app"]

models_app = typer.Typer(
    help=(
        "The model registry: list versions, show one, promote, approve, roll back or retire.\n\n"
        "A version is candidate -> signed_off -> champion -> retired. Promotion to signed_off "
        "or champion needs a stored signed_off verdict against the project's pact "
        "(`--force --reason TEXT` overrides, and the ledger records who and why).\n\n"
        "Refer to a version as PROJECT:VERSION (`churn:3`), PROJECT@STAGE "
        "(`churn@champion`) or by id. Example: `modelpact models promote churn:3`."
    ),
    no_args_is_help=True,
)
app.add_typer(models_app, name="models")

_STAGE_STYLE = {
    "candidate": "yellow",
    "signed_off": "cyan",
    "champion": "bold green",
    "retired": "dim",
}


def _stage(version: ModelVersion) -> str:
    return styled(version.stage, _STAGE_STYLE)


@models_app.command("list")
def list_models(
    project: str | None = typer.Option(None, "--project", "-p", help="Only this project."),
    stage: str | None = typer.Option(
        None, "--stage", help=f"Only this stage: {', '.join(STAGES)}."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Which model versions exist, their stage, and the run that produced them.

    Example: `modelpact models list --project churn`
    """
    from modelpact.ledger import open_configured_store

    with open_configured_store(store) as ledger:
        versions = ledger.list_model_versions(project, stage=stage)
        where = ledger.display_url
    console = out_console()
    if as_json:
        console.print_json(json.dumps([v.to_dict() for v in versions]))
        return
    if not versions:
        console.print(
            f"no model versions in {where}; register one with run.log_model(...) "
            "or 'modelpact verify ... --register'"
        )
        return
    # the reference and the name share a cell, one a line: both stay whole at 100 columns
    rows = [[f"{v.ref}\n[dim]{v.name or '-'}[/dim]", _stage(v),
             v.created_at.strftime("%Y-%m-%d %H:%M"), v.run_id[:8] if v.run_id else "-",
             v.id[:8]] for v in versions]
    console.print(table_of(["version / name", "stage", "registered (UTC)", "run", "id"], rows,
                           title=f"model versions in {where}"))


@models_app.command("show")
def show_model(
    ref: str = typer.Argument(..., help="PROJECT:VERSION, PROJECT@STAGE or a version id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """One model version: artifact, lineage (run, data, parent), verdicts and stage history.

    Example: `modelpact models show churn@champion`
    """
    from modelpact.ledger import open_configured_store
    from modelpact.ledger.status import pact_changes

    with open_configured_store(store) as ledger:
        version = ledger.get_model_version(ref)
        run = ledger.get_run(version.run_id) if version.run_id else None
        verdicts = ledger.list_verdicts(version.project, model_version=version.id)
        if run is not None:
            seen = {v.id for v in verdicts}
            verdicts += [
                v
                for v in ledger.list_verdicts(version.project)
                if v.run_id == run.id and v.id not in seen
            ]
        events = ledger.list_events(version.project, model_version=version.id)
        pact_history = pact_changes(ledger, version.project)
        pinned = ledger.get_project(version.project)
        parent = ledger.get_model_version(version.parent_id) if version.parent_id else None
        signing = ledger.signing_verdict(version.id)
        artifact = (
            ledger.artifacts.location(version.artifact_path) if version.artifact_path else None
        )
    console = out_console()
    if as_json:
        payload = version.to_dict()
        payload["artifact_file"] = artifact
        payload["verdicts"] = [v.to_dict() for v in verdicts]
        payload["events"] = [e.to_dict() for e in events]
        payload["pact"] = {"name": pinned.pact_name, "hash": pinned.pact_hash}
        payload["pact_changes"] = list(pact_history)
        console.print_json(json.dumps(payload))
        return
    console.print(f"[bold]{version.ref}[/bold]  {version.name or ''}  {_stage(version)}")
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim")
    facts.add_column()
    facts.add_row("id", version.id)
    facts.add_row("registered", version.created_at.isoformat(timespec="seconds"))
    facts.add_row("artifact", artifact or "-")
    facts.add_row("run", version.run_id or "-")
    if run is not None:
        code = run.git_commit or "-"
        if run.git_dirty:
            code += " (uncommitted changes)"
        facts.add_row("code", code)
        for d in run.datasets:
            facts.add_row(f"{d.role} data", f"{d.name} ({d.n_rows:,} rows, {d.fingerprint[:16]})")
    facts.add_row("parent", parent.ref if parent else "-")
    if pinned.pact_hash:
        facts.add_row("pinned pact", f"{pinned.pact_name} ({pinned.pact_hash[:12]})")
    facts.add_row(
        "promotable",
        "yes: signed_off verdict stored" if signing else "no signed_off verdict against the pact",
    )
    console.print(facts)
    if version.params:
        params = Table(title="parameters", title_justify="left")
        params.add_column("name")
        params.add_column("value")
        for key, value in version.params.items():
            params.add_row(key, str(value))
        console.print(params)
    if verdicts:
        table = Table(title="verdicts", title_justify="left")
        for column in ("when (UTC)", "verdict", "pact", "rows"):
            table.add_column(column)
        for v in verdicts:
            table.add_row(
                v.created_at.strftime("%Y-%m-%d %H:%M"),
                styled(v.verdict, {"signed_off": "green", "failed": "red"}),
                str(v.body.get("pact", "-")),
                f"{v.body.get('n_rows', 0):,}",
            )
        console.print(table)
    if events:
        history = Table(title="history", title_justify="left")
        for column in ("when (UTC)", "change", "by", "reason"):
            history.add_column(column)
        for e in events:
            change = f"{e.from_stage or '-'} -> {e.to_stage}" if e.to_stage else e.kind
            if e.forced:
                change += " [red](forced)[/red]"
            history.add_row(
                e.created_at.strftime("%Y-%m-%d %H:%M:%S"), change, e.actor or "-", e.reason or "-"
            )
        console.print(history)
    if pact_history:
        console.print("pact changes:", markup=False)
        for line in pact_history:
            console.print(f"  {line}", markup=False)


def _change(ref: str, stage: str, *, force: bool, reason: str | None, store: str | None) -> None:
    from modelpact.cli._ledger import check_ledger_writable

    check_ledger_writable(store)
    from modelpact.ledger import open_configured_store

    with open_configured_store(store) as ledger:
        before = ledger.get_model_version(ref)
        champion = None
        if stage == "champion":
            found = ledger.list_model_versions(before.project, stage="champion")
            champion = next((v for v in found if v.id != before.id), None)
        after = ledger.set_stage(ref, stage, reason=reason, forced=force)
        events = ledger.list_events(after.project, model_version=after.id)
    console = out_console()
    if before.stage == after.stage:
        console.print(f"{after.ref} is already {_stage(after)}; nothing changed")
        return
    console.print(f"{after.ref}: {before.stage} -> {_stage(after)}")
    if champion is not None:
        console.print(f"{champion.ref}: champion -> signed_off (replaced)")
    last = events[-1] if events else None
    if last is not None and last.forced:
        console.print(
            f"[red]forced[/red] by {last.actor or 'unknown user'}: {last.reason}; "
            "recorded in the ledger"
        )


@models_app.command("promote")
def promote(
    ref: str = typer.Argument(..., help="PROJECT:VERSION, PROJECT@STAGE or a version id."),
    to: str = typer.Option("champion", "--to", help="Target stage: signed_off or champion."),
    force: bool = typer.Option(
        False, "--force", help="Promote without a signed_off verdict (needs --reason)."
    ),
    reason: str | None = typer.Option(None, "--reason", help="Why; recorded in the ledger."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
    pact: Path = typer.Option(
        Path("pact.yaml"),
        "--pact",
        "-p",
        help="For models:/ references: the project's pact the version's verdict must be "
        "decided against.",
    ),
) -> None:
    """Promote a version; the current champion steps down to signed_off.

    Refused without a stored signed_off verdict against the project's pact, unless forced.
    A registered MLflow model (`models:/NAME/VERSION`) gets the registry's `champion` alias
    under the same rule, with who and why recorded on the version.

    Example: `modelpact models promote churn:3` or
    `modelpact models promote churn:3 --force --reason "hotfix approved by risk team"` or
    `modelpact models promote models:/churn/3 --pact pact.yaml`
    """
    if ref.startswith("models:/"):
        from modelpact.cli._integrations import promote_in_mlflow

        promote_in_mlflow(ref, to=to, pact=pact, force=force, reason=reason)
        return
    if to not in ("signed_off", "champion"):
        from modelpact.errors import ConfigurationError

        raise ConfigurationError(
            f"--to '{to}': promote to signed_off or champion (use 'models retire' to retire)"
        )
    _change(ref, to, force=force, reason=reason, store=store)


@models_app.command("retire")
def retire(
    ref: str = typer.Argument(..., help="PROJECT:VERSION, PROJECT@STAGE or a version id."),
    reason: str | None = typer.Option(None, "--reason", help="Why; recorded in the ledger."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Retire a version: it stays in the ledger for lineage but is out of use.

    Example: `modelpact models retire churn:1 --reason "superseded"`
    """
    _change(ref, "retired", force=False, reason=reason, store=store)


@models_app.command("approve")
def approve(
    ref: str = typer.Argument(..., help="The held challenger: PROJECT:VERSION or its id."),
    reason: str | None = typer.Option(None, "--reason", help="Why; recorded in the ledger."),
    trust_pickle: bool = typer.Option(
        False,
        "--trust-pickle",
        help="For an incremental refit: load a champion stored as a pickle (it runs the code "
        "it holds).",
    ),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Promote a challenger that `modelpact retrain` held for approval.

    Only a version whose retraining passed the gate and decided `hold` can be approved. When
    the pact declares `refit_on_window`, the approved recipe is refit on its whole window
    (holdout included) and the refit is promoted, as an automatic promotion would be; the
    trainer runs from the current directory.

    Example: `modelpact models approve churn:7 --reason "reviewed the behaviour diff"`
    """
    from modelpact.cli._ledger import pickle_trusted
    from modelpact.ledger import open_configured_store
    from modelpact.retrain.approval import approve as approve_version

    trust = pickle_trusted(trust_pickle)
    with open_configured_store(store) as ledger:
        before = ledger.list_model_versions(ref.rpartition(":")[0] or None, stage="champion")
        approval = approve_version(ledger, ref, reason=reason, trust_pickle=trust)
    after = approval.promoted
    console = out_console()
    if approval.refit:
        console.print(f"{approval.held.ref}: candidate -> retired (approved, refit as {after.ref})")
        console.print(f"{after.ref}: refit on the whole window -> {_stage(after)}")
    else:
        console.print(f"{after.ref}: candidate -> {_stage(after)} (approved)")
    if approval.note:
        console.print(f"note: {approval.note}")
    for old in before:
        if old.id != after.id and old.project == after.project:
            console.print(f"{old.ref}: champion -> signed_off (replaced)")


@models_app.command("shadow")
def shadow(
    ref: str = typer.Argument(..., help="The held challenger: PROJECT:VERSION or its id."),
    model: str = typer.Option(
        ..., "--model", help="The captured model whose live traffic it answers beside."
    ),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Put a challenger that `modelpact retrain` held in shadow beside a captured model.

    The model server keeps serving the champion and also sends the challenger's answers for
    the same prediction ids (`Client.log_shadow(..., candidate=VERSION)`); labels are sent
    once, for the champion. `modelpact retrain --project P --model M --decide-shadow` then
    gates it on the labelled shadow rows, paired by prediction id.

    Example: `modelpact models shadow churn:7 --model gbm`
    """
    from modelpact.ledger import open_configured_store
    from modelpact.retrain.shadow import start_shadow

    with open_configured_store(store) as ledger:
        target = start_shadow(ledger, ref, model)
    out_console().print(
        f"{target.version.ref}: in shadow beside {target.model}; its answers are captured as "
        f"'{target.shadow}' (Client.log_shadow(..., candidate={target.version.version}))"
    )


@models_app.command("rollback")
def rollback(
    project: str = typer.Argument(..., help="The project whose champion to roll back."),
    reason: str = typer.Option(..., "--reason", help="Why; recorded in the ledger."),
    to: str | None = typer.Option(
        None, "--to", help="The version to restore (default: the previous champion)."
    ),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Restore the previous champion and retire the current one, with a reason.

    Example: `modelpact models rollback churn --reason "complaints about the new model"`
    """
    from modelpact.ledger import open_configured_store
    from modelpact.ledger.retraining import rollback as roll_back

    with open_configured_store(store) as ledger:
        retired, restored = roll_back(ledger, project, reason=reason, to=to)
    console = out_console()
    console.print(f"{restored.ref}: {_stage(restored)} (restored)")
    console.print(f"{retired.ref}: champion -> {_stage(retired)} ({reason})")
