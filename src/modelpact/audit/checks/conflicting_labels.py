"""``conflicting_labels``: identical features, different labels."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from modelpact.audit.context import AuditContext
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding, Severity


class ConflictingLabelsConfig(CheckConfig):
    kind: Literal["conflicting_labels"] = "conflicting_labels"


@register
class ConflictingLabels(Check):
    """Groups of rows with the same feature values but more than one label.

    No model can get all of them right: the conflict bounds accuracy, and often points at
    label noise or a missing feature.
    """

    name = "conflicting_labels"
    title = "Conflicting labels"
    Config = ConflictingLabelsConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        if ctx.task == "regression":
            return self.outcome(skipped="regression target: identical features with different "
                                "values are expected noise")
        if not ctx.features:
            return self.outcome(skipped="no usable feature columns")
        labelled = np.flatnonzero(ctx.labelled)
        table = pd.DataFrame({"h": ctx.feature_hash[labelled], "y": ctx.y_full[labelled]})
        n_labels = table.groupby("h", sort=False)["y"].transform("nunique").to_numpy()
        rows = labelled[n_labels > 1]
        if not len(rows):
            return self.outcome(summary={"n_rows": 0})
        groups = int(pd.Series(ctx.feature_hash[rows]).nunique())
        share = len(rows) / len(labelled)
        severity: Severity = "warning" if share >= 0.001 else "info"
        finding = Finding(
            self.name, severity,
            f"{len(rows)} rows ({share:.2%}) in {groups} groups share identical features but "
            "carry different labels",
            (ctx.target,), ctx.ids(rows), len(rows),
            fix="review these groups: fix the labels, or add the feature that tells them apart"
            if severity == "warning" else "",
            details={"share": share, "groups": groups})
        return self.outcome(findings=(finding,), summary={"n_rows": len(rows), "groups": groups})
