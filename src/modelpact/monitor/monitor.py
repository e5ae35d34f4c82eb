"""The monitoring run: chunk, profile, detect drift, estimate and measure performance, alert.

:func:`monitor` is what ``modelpact monitor`` and the service call. It reads a reference period
(where the model is known to be good) and an analysis period, cuts the analysis into chunks and
returns a :class:`MonitorResult` whose ``to_dict()`` is the ``modelpact.monitor/v1`` contract.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from modelpact.data import fingerprint_frame, load_frame, require_columns
from modelpact.errors import InvalidDataError, ModelpactError
from modelpact.monitor._estimation import Estimator, estimator, feature_columns, score_columns
from modelpact.monitor.alerts import AlarmBudget, Alert, Severity, chunk_alerts, chunk_quality
from modelpact.monitor.calibration import required_reference_rows
from modelpact.monitor.chunking import make_chunks
from modelpact.monitor.drift import get_method
from modelpact.monitor.multivariate import (
    DomainClassifier,
    MultivariateValue,
    ReconstructionError,
)
from modelpact.monitor.profile import (
    ProfileSpec,
    ReferenceProfile,
    Role,
    column_kind,
)
from modelpact.monitor.result import MONITOR_SCHEMA, ChunkResult, MonitorResult
from modelpact.monitor.univariate import DriftCheck, UnivariateDrift
from modelpact.pact import Pact

if TYPE_CHECKING:
    from modelpact.engines.local import Engine

__all__ = [
    "MONITOR_SCHEMA",
    "ChunkResult",
    "DriftCheck",
    "MonitorResult",
    "build_reference_profile",
    "monitor",
]

REFERENCE_CHUNKS = 10
DEFAULT_CHUNKS = 10

ReferenceInput = pd.DataFrame | str | Path | ReferenceProfile
Progress = Callable[[str], None]


# --------------------------------------------------------------------------- columns


def _roles(pact: Pact, features: Sequence[str], columns: Sequence[str]) -> dict[str, Role]:
    roles: dict[str, Role] = {c: "feature" for c in features}
    for c in score_columns(pact):
        if c in columns:
            roles[c] = "score"
    pred = pact.columns.prediction
    if pred and pred in columns and pred not in roles:
        roles[pred] = "prediction"
    return roles


# --------------------------------------------------------------------------- main entry


def monitor(
    pact: Pact,
    reference: ReferenceInput,
    analysis: pd.DataFrame | str | Path,
    *,
    labels: pd.DataFrame | str | Path | None = None,
    chunk_size: int | None = None,
    chunk_period: str | None = None,
    chunks: int | None = None,
    seed: int = 0,
    multivariate: bool | None = None,
    estimate_performance: bool | None = None,
    min_chunk_share: float | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> MonitorResult:
    """Monitor *analysis* against *reference* and the pact.

    Parameters
    ----------
    pact
        The pact the model was signed off on (task, columns, criteria, ``monitoring``).
    reference
        A period where the model is known to be good (labelled, not the training data): a
        table, a path, or a :class:`ReferenceProfile` saved earlier (then only drift and data
        quality run, since estimation and multivariate checks need reference rows).
    analysis
        The production rows to monitor.
    labels
        Labels that arrived later: a table with the pact's id and target columns, joined to
        the analysis by id. Rows without a label are normal (delayed labels).
    chunk_size, chunk_period, chunks
        At most one; default from ``pact.monitoring``, else 10 chunks.
    seed
        Seed of every random step (same inputs and seed: same result).
    multivariate
        Run the domain classifier and PCA reconstruction error; default ``pact.monitoring``.
    estimate_performance
        Estimate performance without labels (CBPE / DLE); default ``pact.monitoring``.
    min_chunk_share
        Chunks with fewer rows than this share of the nominal chunk raise no alert; default
        ``pact.monitoring`` (0.5).
    progress
        Called with a short description as each stage starts.
    engine
        Where the chunk profiles are computed: :class:`~modelpact.engines.LocalEngine`
        (default) or :class:`~modelpact.engines.dask.DaskEngine` on a cluster. The
        multivariate checks and performance estimation run here on samples and chunks.

    Returns
    -------
    MonitorResult
    """
    say = progress or (lambda _msg: None)
    config = pact.monitoring
    methods = [get_method(m) for m in config.drift_methods]
    if multivariate is None:
        multivariate = config.multivariate
    if min_chunk_share is None:
        min_chunk_share = config.min_chunk_share
    if sum(v is not None for v in (chunk_size, chunk_period, chunks)) > 1:
        raise InvalidDataError("give at most one of chunk_size, chunk_period and chunks")
    if chunk_size is None and chunk_period is None and chunks is None:
        chunk_size, chunk_period, chunks = config.chunk_size, config.chunk_period, config.chunks
        if chunk_size is None and chunk_period is None and chunks is None:
            chunks = DEFAULT_CHUNKS

    say("reading data")
    ana, ana_source = load_frame(analysis, name="analysis")
    ref_frame: pd.DataFrame | None = None
    if isinstance(reference, ReferenceProfile):
        ref_profile = reference
        ref_source = "<reference profile>"
    else:
        ref_frame, ref_source = load_frame(reference, name="reference")
        ref_profile = None

    notes: list[str] = []
    findings: list[dict[str, Any]] = []
    alerts: list[Alert] = []
    time_col = pact.columns.time
    if labels is not None:
        ana = _join_labels(pact, ana, ana_source, labels)

    if ref_frame is not None:
        ref_frame, ref_profile = _profile_reference(pact, ref_frame, ref_source)
    assert ref_profile is not None
    spec = ref_profile.spec
    roles = dict(spec.roles)

    # schema: missing, extra and changed columns are findings and alerts, never a crash
    present = [c for c in spec.columns if c in ana.columns]
    for c in spec.columns:
        if c not in ana.columns:
            sev: Severity = "critical" if roles.get(c, "feature") == "feature" else "warning"
            msg = f"column '{c}' ({roles.get(c, 'feature')}) of the reference is missing from " \
                  f"the analysis data"
            findings.append({"check": "missing_column", "severity": sev, "columns": [c],
                             "message": msg})
            alerts.append(Alert("data_quality", None, c, "missing_column", None, None, sev, msg))
    role_cols = set(pact.columns.roles()) | set(spec.columns)
    reference_columns = set(ref_frame.columns) if ref_frame is not None else set(
        ref_profile.dtypes)
    for c in ana.columns:
        if c not in role_cols and c not in reference_columns:
            findings.append({"check": "extra_column", "severity": "info", "columns": [c],
                             "message": f"column '{c}' is in the analysis data but not in the "
                                        "reference; it is not monitored"})
    for c in present:
        was = spec.kind(c)
        now = column_kind(ana[c])
        if was != now:
            msg = (f"column '{c}' was {was} in the reference and is {now} in the analysis data "
                   f"(dtype {ana[c].dtype}); values that do not fit are counted as missing or "
                   "unseen")
            findings.append({"check": "changed_type", "severity": "warning", "columns": [c],
                             "message": msg})
            alerts.append(Alert("data_quality", None, c, "changed_type", None, None, "warning",
                                msg))

    say("chunking")
    ana, chunk_list = make_chunks(ana, size=chunk_size, count=chunks, period=chunk_period,
                                  time_column=time_col, min_share=min_chunk_share,
                                  source=ana_source)
    bounds = np.r_[[c.start for c in chunk_list], len(ana)].astype(np.int64)

    say("profiling chunks")
    if engine is None:
        from modelpact.engines.local import LocalEngine  # engines build on monitor's profiles

        engine = LocalEngine()
    profiles = engine.profile_ranges(spec, ana, bounds)
    feature_cols = [c for c, r in roles.items() if r == "feature" and c in ana.columns]
    run_multivariate = bool(multivariate and ref_frame is not None and feature_cols)
    budget = AlarmBudget(config.false_alarm_rate, {
        "univariate_drift": sum(spec.kind(c) in m.kinds for c in spec.columns for m in methods),
        "multivariate_drift": 2 if run_multivariate else 0,
        "missing_values": 1,
    }, n_chunks=sum(c.alertable for c in chunk_list))

    say("calibrating drift thresholds")
    univariate = UnivariateDrift(config.drift_methods, false_alarm_rate=config.false_alarm_rate,
                                 per_check=budget.per_check).fit(ref_profile)

    say("computing drift")
    drift_rows = [univariate.calculate(p) for p in profiles]
    quality = [chunk_quality(ref_profile.total, p, budget.per_check) for p in profiles]

    multi: list[list[MultivariateValue]] = [[] for _ in chunk_list]
    if run_multivariate:
        assert ref_frame is not None
        say("multivariate drift")
        num = [c for c in feature_cols if spec.kind(c) == "numeric"]
        cat = [c for c in feature_cols if spec.kind(c) == "categorical"]
        # each detector spends its share of the budget; the run's rate also sets how far
        # beyond the reference's own range a chunk must be
        domain = DomainClassifier(false_alarm_rate=budget.per_check,
                                  range_level=config.false_alarm_rate,
                                  confidence=pact.confidence, seed=seed).fit(ref_frame, num, cat)
        recon = ReconstructionError(false_alarm_rate=budget.per_check,
                                    range_level=config.false_alarm_rate, seed=seed).fit(
            ref_frame, num, cat)
        for i, ch in enumerate(chunk_list):
            part = ana.iloc[ch.start:ch.stop]
            multi[i] = [domain.evaluate(part, i), recon.evaluate(part)]
    elif multivariate and ref_frame is None:
        notes.append("multivariate drift needs the reference rows; skipped with a saved "
                     "reference profile")

    estimate_on = config.estimate_performance if estimate_performance is None \
        else estimate_performance
    estimated: list[dict[str, Any]] = [{} for _ in chunk_list]
    estimate_rows: Estimator | None = None
    if estimate_on:
        if ref_frame is None:
            notes.append("performance estimation needs the labelled reference rows; skipped "
                         "with a saved reference profile")
        else:
            say("estimating performance")
            estimate_rows = estimator(pact, ref_frame, ana, seed, notes)
            if estimate_rows is not None:
                estimated = [estimate_rows(slice(ch.start, ch.stop)) for ch in chunk_list]
    on_labelled: list[dict[str, Any]] = [{} for _ in chunk_list]

    realized: list[Any] = [None for _ in chunk_list]
    target = pact.columns.target
    if target in ana.columns and ana[target].notna().any():
        say("realized performance")
        from modelpact.monitor.realized import realized_performance

        for i, ch in enumerate(chunk_list):
            realized[i] = realized_performance(pact, ana.iloc[ch.start:ch.stop], seed=seed)
            labelled = np.flatnonzero(ana[target].iloc[ch.start:ch.stop].notna().to_numpy())
            if estimate_rows is not None and 0 < labelled.size < ch.stop - ch.start:
                # realized performance sees only the labelled rows: compare like with like
                try:
                    on_labelled[i] = estimate_rows(ch.start + labelled)
                except ModelpactError:
                    on_labelled[i] = {}

    chunk_results: list[ChunkResult] = []
    for i, ch in enumerate(chunk_list):
        missing, unseen, dq = quality[i]
        cr = ChunkResult(ch, tuple(drift_rows[i]), tuple(multi[i]), missing, unseen,
                         estimated[i], realized[i], on_labelled[i])
        chunk_results.append(cr)
        if ch.alertable:
            alerts.extend(chunk_alerts(pact, cr, dq))

    criteria = tuple(
        {"metric": c.metric, "label": c.label(), "kind": c.kind, "at_least": c.at_least,
         "at_most": c.at_most, "slice": c.slice} for c in pact.criteria)
    features_out = tuple({"name": c, "kind": spec.kind(c), "role": roles.get(c, "feature")}
                         for c in spec.columns)
    chunking = {"by": "size" if chunk_size else "period" if chunk_period else "count",
                "value": chunk_size or chunk_period or chunks, "min_share": min_chunk_share,
                "n_chunks": len(chunk_list)}
    return MonitorResult(
        pact_name=pact.name, task=pact.task,
        reference={"source": ref_source, "n_rows": ref_profile.total.n_rows,
                   "fingerprint": ref_profile.fingerprint},
        analysis={"source": ana_source, "n_rows": len(ana), "engine": engine.name},
        chunking=chunking, features=features_out, methods=tuple(m.name for m in methods),
        false_alarm_rate=config.false_alarm_rate, chunks=tuple(chunk_results),
        alerts=tuple(alerts), findings=tuple(findings), criteria=criteria, notes=tuple(notes),
        alarm_budget=budget)


def build_reference_profile(pact: Pact, reference: pd.DataFrame | str | Path) -> ReferenceProfile:
    """Profile a reference for later runs without its rows (``--save-reference-profile``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from modelpact.pact import Pact
    >>> pact = Pact(name="m", task="regression", columns={"target": "y", "score": "p"},
    ...             criteria=[{"metric": "mae", "at_most": 1.0}])
    >>> ref = pd.DataFrame({"x": np.arange(600.0), "y": 0.0, "p": 0.0})
    >>> profile = build_reference_profile(pact, ref)
    >>> len(profile.chunks), profile.spec.roles["p"]
    (10, 'score')
    """
    ref, source = load_frame(reference, name="reference")
    return _profile_reference(pact, ref, source)[1]


def _profile_reference(pact: Pact, ref: pd.DataFrame, source: str
                       ) -> tuple[pd.DataFrame, ReferenceProfile]:
    time_col = pact.columns.time
    if time_col and time_col in ref.columns:
        ref = _time_sorted(ref, time_col, source)
    needed = required_reference_rows(REFERENCE_CHUNKS)
    if len(ref) < needed:
        raise InvalidDataError(
            f"{source}: the reference has {len(ref)} rows; calibrating drift thresholds by "
            f"leave-chunk-out needs {REFERENCE_CHUNKS} reference chunks of at least "
            f"{needed // REFERENCE_CHUNKS} rows, i.e. at least {needed} rows; give a longer "
            "reference period")
    features = feature_columns(pact, list(ref.columns))
    require_columns(ref, features, source=source, role="feature to monitor")
    roles = _roles(pact, features, list(ref.columns))
    categorical = [c for c in roles if column_kind(ref[c]) == "categorical"]
    spec = ProfileSpec.from_reference(ref, list(roles), roles=roles, categorical=categorical)
    profile = ReferenceProfile.from_frame(ref, spec, n_chunks=REFERENCE_CHUNKS,
                                          fingerprint=fingerprint_frame(ref))
    return ref, profile


# --------------------------------------------------------------------------- stages


def _time_sorted(frame: pd.DataFrame, time_col: str, source: str) -> pd.DataFrame:
    sorted_frame, _ = make_chunks(frame, count=1, time_column=time_col, source=source)
    return sorted_frame


def _join_labels(pact: Pact, ana: pd.DataFrame, source: str,
                 labels: pd.DataFrame | str | Path) -> pd.DataFrame:
    lab, lab_source = load_frame(labels, name="labels")
    id_col, target = pact.columns.id, pact.columns.target
    if id_col is None:
        raise InvalidDataError("joining labels needs the pact's id column (columns.id)")
    require_columns(lab, [id_col, target], source=lab_source, role="label join")
    require_columns(ana, [id_col], source=source, role="id")
    lab = lab[[id_col, target]].dropna(subset=[target])
    dup = lab[id_col].duplicated()
    if dup.any():
        raise InvalidDataError(
            f"{lab_source}: id '{lab[id_col][dup].iloc[0]}' has more than one label "
            f"(column '{id_col}', row {int(np.flatnonzero(dup.to_numpy())[0])}); keep one "
            "label per id")
    base = ana.drop(columns=[target]) if target in ana.columns else ana
    try:
        joined = base.merge(lab, on=id_col, how="left", validate="many_to_one")
    except (ValueError, TypeError) as exc:
        raise InvalidDataError(f"{lab_source}: cannot join labels on '{id_col}' ({exc})") from None
    if target in ana.columns:  # labels already in the analysis file count too
        joined[target] = joined[target].where(joined[target].notna(), ana[target].to_numpy())
    return joined
