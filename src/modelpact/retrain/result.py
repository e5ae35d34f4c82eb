"""The result of one turn of the retraining loop, on the one result interface.

:class:`RetrainResult` answers the questions every result answers (``outcome``,
``summary()``, ``to_dict()``/``from_dict()``, ``to_frame()``, ``to_html()``, ``plot()``) and
keeps the loop's own word, the decision's ``action`` (promote, hold, reject, failed, not_due),
beside the shared outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from modelpact._result import Outcome, ResultMixin
from modelpact.evaluate import CriterionResult, Verdict
from modelpact.retrain.decision import Decision
from modelpact.retrain.gate import GateResult
from modelpact.retrain.triggers import TriggerCheck, TriggerReport

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RETRAIN_SCHEMA", "OnlineAction", "OnlineTurn", "RetrainResult"]

RETRAIN_SCHEMA = "modelpact.retrain/v1"

#: What a gate of :class:`~modelpact.retrain.OnlineLearner` did with the learning it judged.
OnlineAction = Literal["promote", "rollback", "continue"]

_FRAME_COLUMNS = ["step", "name", "status", "estimate", "low", "high", "n", "detail"]


def _outcome(decision: Decision) -> Outcome:
    if decision.inconclusive:
        return "inconclusive"
    return {
        "promote": "pass",
        "not_due": "pass",
        # the gate passed, but a person still has to look: usable, needs a look
        "hold": "at_risk",
        "reject": "fail",
        "failed": "fail",
    }[decision.action]  # type: ignore[return-value]


def _criterion(document: Mapping[str, Any]) -> CriterionResult:
    return CriterionResult(**{**document, "ci": (document["ci"][0], document["ci"][1])})


def _gate_from(document: Mapping[str, Any] | None) -> GateResult | None:
    if document is None:
        return None
    rule = document.get("versus_champion")
    champion = document.get("champion_verdict")
    return GateResult(
        outcome=document["outcome"],
        rule=document["rule"],
        verdict=Verdict.from_dict(document["verdict"]),
        versus_champion=None if rule is None else _criterion(rule),
        champion_verdict=None if champion is None else Verdict.from_dict(champion),
        reasons=tuple(document["reasons"]),
        comparison=document.get("comparison"),
        behaviour=tuple(document.get("behaviour", ())),
    )


def _triggers_from(document: Mapping[str, Any]) -> TriggerReport:
    return TriggerReport(
        checks=tuple(TriggerCheck(**c) for c in document["checks"]),
        new_rows=document["new_rows"],
        new_labels=document["new_labels"],
    )


@dataclass(frozen=True)
class RetrainResult(ResultMixin):
    """The outcome of one turn of the loop; ``to_dict()`` is ``modelpact.retrain/v1``.

    ``action`` is the loop's decision (promote, hold, reject, failed, not_due); ``outcome`` the
    same in the shared vocabulary: ``pass`` promoted or nothing due, ``at_risk`` held for a
    person's approval, ``fail`` rejected or the trainer failed, ``inconclusive`` rejected for
    want of evidence.
    """

    project: str
    triggers: TriggerReport
    decision: Decision
    champion: str | None = None
    challenger: str | None = None
    promoted: str | None = None
    run_id: str | None = None
    window: dict[str, Any] = field(default_factory=dict)
    gate: GateResult | None = None
    error: str | None = None
    mode: str = "holdout"

    @property
    def action(self) -> str:
        """The decision: promote, hold, reject, failed or not_due."""
        return self.decision.action

    @property
    def outcome(self) -> Outcome:
        """The decision in the shared vocabulary (see :mod:`modelpact._result`)."""
        return _outcome(self.decision)

    @property
    def exit_code(self) -> int:
        """0 promoted or nothing due, 1 held, rejected or failed, 3 inconclusive."""
        return self.decision.exit_code

    def summary(self) -> str:
        """One sentence: what happened and the main reason."""
        if self.decision.action == "not_due":
            return f"{self.project}: {self.triggers.summary()}; nothing retrained (use --force)"
        if self.decision.action == "failed":
            return f"{self.project}: training failed, the champion is untouched: {self.error}"
        what = {
            "promote": f"{self.promoted or self.challenger} promoted to champion",
            "hold": f"{self.challenger} held as a candidate awaiting approval",
            "reject": f"{self.challenger} rejected; the champion stays",
        }[self.decision.action]
        gate = f" (gate {self.gate.outcome})" if self.gate is not None else ""
        where = " on labelled shadow rows" if self.mode == "shadow" else ""
        return f"{self.project}: {what}{gate}{where}"

    def to_dict(self) -> dict[str, Any]:
        """The ``modelpact.retrain/v1`` document."""
        return {
            "schema": RETRAIN_SCHEMA,
            "project": self.project,
            "outcome": self.outcome,
            "action": self.action,
            "mode": self.mode,
            "exit_code": self.exit_code,
            "triggers": self.triggers.to_dict(),
            "decision": self.decision.to_dict(),
            "champion": self.champion,
            "challenger": self.challenger,
            "promoted": self.promoted,
            "run_id": self.run_id,
            "window": self.window,
            "gate": None if self.gate is None else self.gate.to_dict(),
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> RetrainResult:
        """The result of a ``modelpact.retrain/v1`` document (the inverse of :meth:`to_dict`)."""
        decision = document["decision"]
        return cls(
            project=document["project"],
            triggers=_triggers_from(document["triggers"]),
            decision=Decision(
                decision["action"], tuple(decision["reasons"]), bool(decision["inconclusive"])
            ),
            champion=document.get("champion"),
            challenger=document.get("challenger"),
            promoted=document.get("promoted"),
            run_id=document.get("run_id"),
            window=dict(document.get("window") or {}),
            gate=_gate_from(document.get("gate")),
            error=document.get("error"),
            mode=document.get("mode", "holdout"),
        )

    def to_frame(self) -> pd.DataFrame:
        """The turn step by step: one row per trigger checked, per criterion the gate decided
        (the pact's, then the promotion rule against the champion) and the decision."""
        import pandas as pd

        rows: list[dict[str, Any]] = [
            {"step": "trigger", "name": c.name, "status": "fired" if c.fired else "quiet",
             "detail": c.detail}
            for c in self.triggers.checks
        ]
        if self.gate is not None:
            criteria = [("gate", c) for c in self.gate.verdict.criteria]
            if self.gate.versus_champion is not None:
                criteria.append(("promotion rule", self.gate.versus_champion))
            rows.extend(
                {"step": step, "name": c.label, "status": c.status, "estimate": c.estimate,
                 "low": c.ci[0], "high": c.ci[1], "n": c.n, "detail": c.method}
                for step, c in criteria
            )
        rows.append(
            {"step": "decision", "name": self.action, "status": self.outcome,
             "detail": self.decision.reasons[-1] if self.decision.reasons else ""}
        )
        return pd.DataFrame(rows, columns=_FRAME_COLUMNS)


@dataclass(frozen=True)
class OnlineTurn:
    """One gate of an :class:`~modelpact.retrain.OnlineLearner`: what it judged and did.

    ``action`` is ``promote`` (the learning is kept: the learner is the new checkpoint and
    champion ``promoted``), ``rollback`` (the learner was shown worse than the checkpoint and
    was restored from it) or ``continue`` (no promotion and no rollback: the learner keeps
    learning; ``carried`` says whether the undecided evidence is carried to the next gate).
    """

    action: OnlineAction
    rows: int
    gate: GateResult
    reasons: tuple[str, ...]
    checkpoint: str
    run_id: str
    promoted: str | None = None
    carried: bool = False

    def summary(self) -> str:
        """One sentence: what the gate did and its main reason."""
        what = {
            "promote": f"learning kept: {self.promoted} is the new checkpoint and champion",
            "rollback": f"learning rolled back to the checkpoint {self.checkpoint}",
            "continue": f"the learner keeps learning; the checkpoint stays {self.checkpoint}",
        }[self.action]
        return f"{what} (gate {self.gate.outcome} on {self.rows:,} labelled rows)"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "action": self.action,
            "rows": self.rows,
            "checkpoint": self.checkpoint,
            "promoted": self.promoted,
            "carried": self.carried,
            "run_id": self.run_id,
            "reasons": list(self.reasons),
            "gate": self.gate.to_dict(),
        }
