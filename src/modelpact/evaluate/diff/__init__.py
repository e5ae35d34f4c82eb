"""Behaviour diff: what changed between two versions of a model, where, and which data did it.

Retraining on new data changes the product even when no line of code changed. The behaviour
diff makes that change visible on a table of rows (usually the evaluation set):

* the **disagreement rate** (share of rows whose prediction changed) with a Wilson interval;
* the **flip table** (class A -> class B counts) or, for regression, the distribution of
  changes;
* **per-slice metric changes** with paired intervals, where labels exist;
* **where** behaviour changed, in words: a shallow decision tree fitted to "prediction
  changed" on the data's features, read out as rules with their support and flip rate;
* the **training data diff** between the two versions' training sets (rows added and removed,
  label changes, per-feature drift with effect sizes), when both are available, so that a
  behaviour change can be traced to the data change behind it.

The parts, one module per concept: :mod:`~modelpact.evaluate.diff.results` (the result
objects), :mod:`~modelpact.evaluate.diff.rules` (where behaviour changed),
:mod:`~modelpact.evaluate.diff.training` (the training data diff) and
:mod:`~modelpact.evaluate.diff.behaviour` (the diff itself).
"""

from modelpact.evaluate.diff.behaviour import diff
from modelpact.evaluate.diff.results import (
    DIFF_SCHEMA,
    BehaviourDiff,
    ChangeDistribution,
    DataDiff,
    FeatureDrift,
    Flip,
    GroupTrait,
    Proportion,
    Rule,
    SliceChange,
)
from modelpact.evaluate.diff.rules import describe_changes
from modelpact.evaluate.diff.training import training_data_diff

__all__ = [
    "DIFF_SCHEMA",
    "BehaviourDiff",
    "ChangeDistribution",
    "DataDiff",
    "FeatureDrift",
    "Flip",
    "GroupTrait",
    "Proportion",
    "Rule",
    "SliceChange",
    "describe_changes",
    "diff",
    "training_data_diff",
]
