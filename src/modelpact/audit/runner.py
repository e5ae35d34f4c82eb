"""The audit: run every registered check on prepared data and decide GO / GO WITH FIXES / NO-GO."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from modelpact.audit import checks as _checks  # noqa: F401  (registers the checks)
from modelpact.audit.context import AuditContext, prepare
from modelpact.audit.registry import CHECKS, Check, CheckConfig, get_check
from modelpact.audit.result import AuditResult, CheckOutcome, Finding, Verdict, sort_findings
from modelpact.data import DataSource, load_frame
from modelpact.errors import ConfigurationError
from modelpact.evaluate.rows_needed import evaluation_rows_needed
from modelpact.pact import Pact, load_pact
from modelpact.stats import get_metric

__all__ = ["DEFAULT_SAMPLE_ROWS", "Progress", "audit", "decide"]

#: Rows the costly checks (models, kNN) see at most; chosen so 1M-row audits stay in minutes.
DEFAULT_SAMPLE_ROWS = 20_000

#: ``progress(check_name, index, total)``, called before each check runs.
Progress = Callable[[str, int, int], None]


def decide(findings: Sequence[Finding]) -> tuple[Verdict, tuple[str, ...]]:
    """The verdict from findings: any critical -> no_go, any warning -> go_with_fixes, else go.

    A learning-curve projection is an extrapolation, so ``learnability`` reports a pact
    threshold that looks out of reach as a warning, never as a critical finding: a projection
    alone cannot make an audit NO-GO (a quick model with no signal beyond the baseline, which
    is measured, still blocks).
    """
    critical = [f for f in findings if f.severity == "critical"]
    if critical:
        return "no_go", tuple(f"{f.check}: {f.message}" for f in critical)
    warnings = [f for f in findings if f.severity == "warning"]
    if warnings:
        return "go_with_fixes", tuple(f"{f.check}: {f.message}" for f in warnings)
    return "go", ()


def _instances(checks: Sequence[str | CheckConfig] | None) -> list[Check]:
    if checks is None:
        return [cls() for cls in CHECKS.values()]
    out: list[Check] = []
    for item in checks:
        if isinstance(item, str):
            out.append(get_check(item)())
        elif isinstance(item, CheckConfig):
            out.append(get_check(item.kind)(item))
        else:
            raise ConfigurationError(f"checks must be names or check configs, not {type(item).__name__}")
    return out


def audit(
    data: DataSource,
    *,
    target: str | None = None,
    test: DataSource | None = None,
    split_column: str | None = None,
    time_column: str | None = None,
    pact: Pact | str | Path | None = None,
    id_column: str | None = None,
    seed: int = 0,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    checks: Sequence[str | CheckConfig] | None = None,
    progress: Progress | None = None,
    n_jobs: int = 1,
) -> AuditResult:
    """Audit a dataset for learning: is it fit to learn from, and can it meet the pact?

    Parameters
    ----------
    data
        Training (or all) data: a CSV/Parquet path, or a pandas/polars frame.
    target
        The label column (defaults to the pact's ``columns.target``).
    test
        A test table to check the split against (``split_leakage``, ``split_drift``).
    split_column
        Instead of ``test``: a column with two values marking train and test rows (the test
        side is the value named test/valid/holdout/eval/true/1, else the smaller side).
    time_column
        A timestamp, date or ordered-number column: enables ``temporal_drift`` (defaults to
        the pact's ``columns.time``).
    pact
        A :class:`~modelpact.pact.Pact` or pact file: its task, positive class, baseline,
        criteria and columns shape the audit; without one the task is inferred and the
        default metric is ROC AUC (binary), accuracy (multiclass) or R² (regression).
    id_column
        Column naming rows in findings (defaults to the pact's ``columns.id``).
    seed
        Seeds every sample, split and model: the same inputs and seed give the same result.
    sample_rows
        Checks costlier than linear time (models, nearest neighbours) run on a seeded
        stratified sample of at most this many rows; the result's ``sampled`` says which.
    checks
        Check names or configurations to run (default: every registered check).
    progress
        Called as ``progress(check, i, total)`` before each check.
    n_jobs
        Threads the models may use. One by default: on a machine shared with other work,
        OpenMP threads that outnumber free cores spin and run many times slower than one.

    Returns
    -------
    AuditResult

    Raises
    ------
    ColumnNotFoundError, InvalidDataError, ConfigurationError
        For inputs the audit cannot use (missing target, one class, time column that is not
        a time, unreadable file). Odd columns are findings, never errors.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=400)
    >>> frame = pd.DataFrame({"x": x, "noise": rng.normal(size=400), "y": (x > 0).astype(int)})
    >>> result = audit(frame, target="y", checks=["constant_columns", "class_imbalance"])
    >>> result.verdict
    'go'
    """
    if isinstance(pact, str | Path):
        pact = load_pact(pact)
    target = target or (pact.columns.target if pact is not None else None)
    if target is None:
        raise ConfigurationError("name the target column (target=... or a pact with columns.target)")
    if id_column is None and pact is not None:
        id_column = pact.columns.id
    if time_column is None and pact is not None:
        time_column = pact.columns.time
    frame, source = load_frame(data)
    test_frame, test_source = (load_frame(test, name="<test>") if test is not None else (None, None))
    ctx = prepare(
        frame, source=source, target=target, test=test_frame, test_source=test_source,
        split_column=split_column, time_column=time_column, id_column=id_column, pact=pact,
        seed=seed, sample_rows=sample_rows,
    )
    with threadpool_limits(limits=n_jobs):
        return run_checks(ctx, _instances(checks), progress=progress)


def run_checks(ctx: AuditContext, instances: Sequence[Check], *,
               progress: Progress | None = None) -> AuditResult:
    """Run *instances* on a prepared context and assemble the :class:`AuditResult`."""
    outcomes: dict[str, CheckOutcome] = {}
    for i, check in enumerate(instances):
        if progress is not None:
            progress(check.name, i, len(instances))
        outcomes[check.name] = check.run(ctx)
    if progress is not None:
        progress("done", len(instances), len(instances))
    findings = sort_findings([f for o in outcomes.values() for f in o.findings], list(CHECKS))
    verdict, reasons = decide(findings)
    learn = outcomes.get("learnability")
    return AuditResult(
        verdict=verdict, findings=findings, checks=outcomes,
        learnability=_with_evaluation_rows(ctx, dict(learn.summary))
        if learn is not None and not learn.skipped else {},
        n_rows=ctx.n, n_columns=ctx.frame.shape[1], target=ctx.target, task=ctx.task,
        source=ctx.source, seed=ctx.seed, positive_class=ctx.positive_class,
        classes=ctx.classes, features=tuple(ctx.features), test_source=ctx.test_source,
        n_test_rows=len(ctx.test) if ctx.test is not None else None,
        time_column=ctx.time_column, split_column=ctx.split_column, id_column=ctx.id_column,
        pact=ctx.pact.name if ctx.pact is not None else None, reasons=reasons,
    )


def _with_evaluation_rows(ctx: AuditContext, summary: dict[str, Any]) -> dict[str, Any]:
    """Each pact criterion's evaluation rows, taking the quick model's estimate for the truth.

    The learning curve says how many *training* rows reach a threshold; a team also needs to
    know how many *evaluation* rows a conclusive verdict will take. Plan and verify compute
    that figure with the same function, so the same estimate gives them the same number.
    """
    if ctx.pact is None or not summary.get("criteria"):
        return summary
    prevalence = None
    if ctx.task == "binary":
        prevalence = float(np.mean(ctx.y_full[ctx.labelled] == 1))
    by_label = {c.label(): c for c in ctx.pact.criteria}
    rows = []
    for row in summary["criteria"]:
        crit = by_label.get(row.get("criterion", ""))
        if crit is None or crit.kind != "absolute" or crit.slice or "estimate" not in row:
            rows.append(row)
            continue
        _, threshold = crit.bound(
            greater_is_better=get_metric(crit.metric).greater_is_better)
        needed = evaluation_rows_needed(
            crit.metric, estimate=row["estimate"], threshold=threshold,
            confidence=ctx.pact.confidence, prevalence=prevalence)
        rows.append({**row, "evaluation_rows_needed": needed.n,
                     "evaluation_rows_assumption": needed.note or
                     f"the quick model's estimate {row['estimate']:.3f} {needed.assumption}, "
                     "80% power"})
    return {**summary, "criteria": rows}
