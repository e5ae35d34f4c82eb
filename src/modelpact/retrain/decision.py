"""The decision after the gate: promote, hold for approval, or reject, with its reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from modelpact.pact import RetrainingConfig
from modelpact.retrain.gate import GateResult

__all__ = ["Action", "Decision", "decide"]

Action = Literal["promote", "hold", "reject", "failed", "not_due"]

# Exit codes (DESIGN.md): 0 promoted, 1 held or rejected, 3 inconclusive.
_EXIT = {"promote": 0, "hold": 1, "reject": 1, "failed": 1, "not_due": 0}


@dataclass(frozen=True)
class Decision:
    """What the loop did with the challenger, and why.

    ``action`` is ``promote`` (it is the champion now), ``hold`` (a candidate awaiting
    ``modelpact models approve``), ``reject`` (retired; the champion stays), ``failed`` (the
    trainer crashed or timed out; nothing changed) or ``not_due`` (no trigger fired).
    ``inconclusive`` marks a rejection for want of evidence rather than evidence against.
    """

    action: Action
    reasons: tuple[str, ...]
    inconclusive: bool = False

    @property
    def exit_code(self) -> int:
        """0 promoted (or nothing due), 1 held, rejected or failed, 3 inconclusive."""
        return 3 if self.inconclusive else _EXIT[self.action]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "action": self.action,
            "inconclusive": self.inconclusive,
            "reasons": list(self.reasons),
        }


def decide(gate: GateResult, config: RetrainingConfig) -> Decision:
    """Turn the gate's outcome into an action under the pact's promotion settings.

    Only a gate that passed can lead to a promotion, and only with ``auto_promote``; without
    it the challenger waits for a person. A failed gate rejects; an inconclusive one rejects
    too (no evidence is no licence to ship) but says so, and exits 3.

    Examples
    --------
    >>> from modelpact.pact import RetrainingConfig
    >>> config = RetrainingConfig(trainer="pkg.train:fit")
    >>> config.auto_promote
    False
    """
    reasons = list(gate.reasons)
    if gate.outcome == "pass":
        if config.auto_promote:
            return Decision("promote", (*reasons, "the gate passed and auto_promote is on"))
        return Decision(
            "hold",
            (
                *reasons,
                "the gate passed; auto_promote is off, so the challenger waits for "
                "'modelpact models approve'",
            ),
        )
    if gate.outcome == "fail":
        return Decision("reject", (*reasons, "the gate failed: the champion stays"))
    return Decision(
        "reject",
        (*reasons, "the gate is inconclusive: not enough evidence to replace the champion"),
        inconclusive=True,
    )
