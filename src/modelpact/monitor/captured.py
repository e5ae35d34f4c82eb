"""Monitoring what the model server captured: the scheduled analysis over stored rows.

For a model with a reference period, the analysis period is everything captured after it, up
to the start of the last chunk (which may still be filling). It is monitored with
:func:`modelpact.monitor.monitor` (drift, CBPE/DLE, realized performance on the labels joined
so far, alerts against the pact); the result and its alerts go to the ledger. Chunks are the
pact's ``monitoring.chunk_period`` or ``chunk_size`` (one day when it names neither: a
fixed number of chunks would move as data arrives). Re-running when nothing new arrived
(no new completed chunk, no new label) is skipped.

``modelpact monitor --store`` and the service's scheduler both run :class:`CapturedAnalysis`;
the service adds its metrics around it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pandas as pd

from modelpact.errors import InvalidDataError, PactError
from modelpact.ledger import Store
from modelpact.ledger.capture import CapturedModel, CaptureStore
from modelpact.ledger.monitoring import AlertRecord, MonitoringStore
from modelpact.monitor.chunking import make_chunks
from modelpact.monitor.monitor import monitor
from modelpact.pact import Pact
from modelpact.pact.model import period_seconds

__all__ = [
    "DEFAULT_PERIOD",
    "DEFAULT_REMINDER",
    "AnalysisOutcome",
    "CaptureColumns",
    "CapturedAnalysis",
]

DEFAULT_PERIOD = "1d"
#: The quiet time before a still-raised alert is notified again, when neither the caller nor
#: the project's pact sets one.
DEFAULT_REMINDER = timedelta(hours=24)


@dataclass(frozen=True)
class CaptureColumns:
    """Which field plays which role in captured rows, from a pact."""

    id: str
    time: str
    target: str
    score: str | None
    class_scores: tuple[tuple[Any, str], ...]
    prediction: str | None
    features: tuple[str, ...] | None  # None: every column without a role is a feature

    @classmethod
    def of(cls, pact: Pact) -> CaptureColumns:
        """The roles *pact* gives."""
        columns = pact.columns
        score = columns.score
        declared = pact.monitoring.features or columns.features
        return cls(
            id=columns.id or "prediction_id",
            time=columns.time or "timestamp",
            target=columns.target,
            score=score if isinstance(score, str) else None,
            class_scores=tuple(score.items()) if isinstance(score, dict) else (),
            prediction=columns.prediction,
            features=tuple(declared) if declared else None,
        )

    def names(self) -> dict[str, str]:
        """The captured role columns (:meth:`CaptureStore.frame`) renamed to these fields."""
        names = {"prediction_id": self.id, "timestamp": self.time, "label": self.target}
        if self.score:
            names["score"] = self.score
        for cls, column in self.class_scores:
            names[f"score_{cls}"] = column
        if self.prediction:
            names["prediction"] = self.prediction
        return names

    def roles(self) -> set[str]:
        """Every field that is not a feature."""
        out = {self.id, self.time, self.target}
        out.update(c for c in (self.score, self.prediction) if c)
        out.update(c for _, c in self.class_scores)
        return out


@dataclass(frozen=True)
class AnalysisOutcome:
    """What one analysis of one model did.

    ``label_coverage`` is the share of the analysed rows whose label has arrived (``None``
    when no rows were analysed).
    """

    project: str
    model: str
    status: str  # alert | no_alert | skipped | error
    reason: str = ""
    result_id: str | None = None
    n_alerts: int = 0
    new_alerts: tuple[AlertRecord, ...] = ()
    document: dict[str, Any] | None = None
    label_coverage: float | None = None


class CapturedAnalysis:
    """Monitors captured models against their pacts and stores what it finds.

    Parameters
    ----------
    store
        The ledger holding the captured rows, the pacts and the monitoring results.
    notify
        Queue new alerts for webhook delivery (alerts are always queued when the pact names
        webhooks of its own).
    reminder_after
        How long an unacknowledged alert waits before it is sent again; None (the default)
        lets each project's pact decide (``monitoring.remind_after``, else
        :data:`DEFAULT_REMINDER`).
    on_coverage
        Called with the project, the model and the share of analysed rows whose label has
        arrived as soon as it is known, before the (longer) monitoring run: a service's
        gauge shows it while the analysis is still running.
    """

    def __init__(self, store: Store, *, notify: bool = True,
                 reminder_after: timedelta | None = None,
                 on_coverage: Callable[[str, str, float], None] | None = None) -> None:
        self.store = store
        self.notify = notify
        self.reminder_after = reminder_after
        self.on_coverage = on_coverage

    def _reminder_after(self, pact: Pact) -> timedelta:
        if self.reminder_after is not None:
            return self.reminder_after
        configured = pact.monitoring.remind_after
        return DEFAULT_REMINDER if configured is None else timedelta(
            seconds=period_seconds(configured))

    def models(self) -> list[CapturedModel]:
        """Every captured model."""
        return CaptureStore(self.store).list_models()

    def analyse(self, project: str, model: str, *, source: str = "service",
                force: bool = False) -> AnalysisOutcome:
        """Analyse one model's completed chunks; store the result and raise its alerts.

        A pact or data problem is an ``error`` outcome naming it, so that one model's problem
        does not stop a scheduler analysing the others.
        """
        captured = CaptureStore(self.store).get_model(project, model)
        try:
            return self._analyse(captured, source=source, force=force)
        except (InvalidDataError, PactError) as exc:
            return AnalysisOutcome(project, model, "error", reason=str(exc))

    def _pact(self, project: str) -> Pact:
        pact = self.store.pinned_pact(project)
        if pact is None:
            raise PactError(f"project '{project}' has no pact to monitor against")
        roles = CaptureColumns.of(pact)
        # captured rows always have an id and a time, under these names
        return pact.model_copy(update={"columns": pact.columns.model_copy(
            update={"id": roles.id, "time": roles.time})})

    def _frame(self, captured: CapturedModel, pact: Pact, **window: Any) -> pd.DataFrame:
        roles = CaptureColumns.of(pact)
        classes = [cls for cls, _ in roles.class_scores] or None
        frame = CaptureStore(self.store).frame(captured, classes=classes, names=roles.names(),
                                               **window)
        # a role the model server never sent (an optional prediction) is absent, not empty
        empty = [c for c in (roles.prediction,) if c and c in frame and frame[c].isna().all()]
        frame = frame.drop(columns=empty)
        # labels come back as JSON values in an object column: give them their real dtype
        frame[roles.target] = frame[roles.target].infer_objects()
        return frame

    def _analyse(self, captured: CapturedModel, *, source: str, force: bool) -> AnalysisOutcome:
        project, model = captured.project, captured.name
        if captured.reference_start is None or captured.reference_end is None:
            return AnalysisOutcome(project, model, "skipped", reason=(
                "no reference period: set one with 'modelpact capture add-model "
                "--reference-from T --reference-to T'"))
        pact = self._pact(project)
        roles = CaptureColumns.of(pact)
        config = pact.monitoring
        chunking: dict[str, Any] = ({"chunk_period": config.chunk_period} if config.chunk_period
                                    else {"chunk_size": config.chunk_size} if config.chunk_size
                                    else {"chunk_period": DEFAULT_PERIOD})
        analysis = self._frame(captured, pact, start=captured.reference_end)
        if analysis.empty:
            return AnalysisOutcome(project, model, "skipped", reason="no data after the reference")
        ordered, chunks = make_chunks(
            analysis, size=chunking.get("chunk_size"), period=chunking.get("chunk_period"),
            time_column=roles.time, source="captured data")
        # the last chunk may still be filling: analyse up to its start (size: unless it is full)
        last = chunks[-1]
        stop = last.stop if "chunk_size" in chunking and last.complete else last.start
        window = ordered.iloc[:stop]
        labelled = int(window[roles.target].notna().sum())
        if window.empty:
            return AnalysisOutcome(project, model, "skipped", reason="no completed chunk yet")
        coverage = labelled / len(window)
        if self.on_coverage is not None:
            self.on_coverage(project, model, coverage)
        state = {"rows": len(window), "labelled": labelled,
                 "end": str(window[roles.time].iloc[-1])}
        monitoring = MonitoringStore(self.store)
        previous = monitoring.latest_result(captured)
        if not force and previous is not None and previous.body.get("capture") == state:
            return AnalysisOutcome(project, model, "skipped", reason="nothing new since the "
                                   "last analysis", label_coverage=coverage)
        reference = self._frame(captured, pact, start=captured.reference_start,
                                end=captured.reference_end)
        reference = reference[reference[roles.target].notna()]
        if reference.empty:
            return AnalysisOutcome(project, model, "skipped",
                                   reason="no labelled rows in the reference period",
                                   label_coverage=coverage)
        labels = window.loc[window[roles.target].notna(), [roles.id, roles.target]]
        try:
            result = monitor(pact, reference, window.drop(columns=[roles.target]),
                             labels=labels if len(labels) else None, **chunking)
        except (InvalidDataError, PactError) as exc:
            # the coverage was measured all the same: a scheduler reports it
            return AnalysisOutcome(project, model, "error", reason=str(exc),
                                   label_coverage=coverage)
        document = {**result.to_dict(), "capture": state}
        result_id = monitoring.record_result(captured, document, source=source)
        # alerts are due for delivery when someone is there to tell: the service's webhooks
        # or those the pact names
        notify = self.notify or bool(pact.monitoring.webhooks)
        new = monitoring.raise_alerts(captured, result_id, document["alerts"], notify=notify,
                                      reminder_after=self._reminder_after(pact))
        return AnalysisOutcome(project, model, result.status, result_id=result_id,
                               n_alerts=len(result.alerts), new_alerts=tuple(new),
                               document=document, label_coverage=coverage)
