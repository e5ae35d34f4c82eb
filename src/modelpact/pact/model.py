"""The pact: acceptance criteria negotiated before experiments, as validated pydantic models.

A pact says which metrics a model must reach, against what baseline, at what confidence, on
which slices, with how much data. The models here hold *what* is agreed; deciding it against
data is :mod:`modelpact.evaluate`'s job.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "Baseline",
    "Columns",
    "Criterion",
    "DataRequirements",
    "MonitoringConfig",
    "Pact",
    "RetrainTriggers",
    "RetrainWindow",
    "RetrainingConfig",
    "Task",
    "criteria_problems",
    "period_seconds",
]

Task = Literal["binary", "multiclass", "regression"]
Scalar = str | int | float | bool
AlertKind = Literal["drift", "estimated_performance", "realized_performance", "data_quality"]
# "30d", "12h", "2w": a number and a unit (minutes, hours, days, weeks)
_PERIOD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$")
_PERIOD_SECONDS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
# "my_package.train:fit": a dotted module path and a function name
_ENTRY_POINT = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def period_seconds(text: str) -> float:
    """Seconds in a period written like ``30d``, ``12h``, ``2w`` or ``90m``.

    Examples
    --------
    >>> period_seconds("30d")
    2592000.0
    """
    match = _PERIOD.match(text)
    if match is None:
        raise ValueError(
            f"'{text}' is not a period; write a number and a unit: 90m, 12h, 30d or 2w"
        )
    return float(match.group(1)) * _PERIOD_SECONDS[match.group(2)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Columns(_Strict):
    """Which columns of an evaluation table play which role."""

    target: str = Field(description="The true label (or value, for regression).")
    score: str | dict[str, str] | None = Field(
        default=None,
        description=(
            "Binary: the column holding P(positive class). Multiclass: a mapping from each "
            "class to its probability column. Regression: the prediction column."
        ),
    )
    prediction: str | None = Field(
        default=None,
        description="Hard predictions; for binary tasks derived from score >= threshold if absent.",
    )
    id: str | None = Field(default=None, description="Row identifier, used to join and pair rows.")
    time: str | None = Field(default=None, description="Timestamp, used for chunking and drift.")
    slices: list[str] = Field(default_factory=list, description="Columns to slice metrics by.")
    features: list[str] | None = Field(
        default=None, description="Model inputs; default: every column without another role."
    )

    def roles(self) -> list[str]:
        """Columns that are not model inputs (target, scores, prediction, id, time)."""
        out = [self.target]
        if isinstance(self.score, dict):
            out.extend(self.score.values())
        elif self.score:
            out.append(self.score)
        out.extend(c for c in (self.prediction, self.id, self.time) if c)
        return out


class Baseline(_Strict):
    """What the model must beat.

    ``prior`` predicts the training prevalence as a score; ``majority`` the most frequent
    class; ``mean``/``median`` the training target's mean or median (regression);
    ``column`` reads baseline predictions from a column of the evaluation data; ``model``
    loads a second model file that the user names; ``persistence`` predicts each row's
    previous label in time order ("same as last time"), optionally within an entity ``key``:
    the forecast any model of a time-ordered stream must beat.
    """

    kind: Literal["prior", "majority", "mean", "median", "column", "model", "persistence"] = "prior"
    column: str | None = None
    path: str | None = None
    key: str | None = Field(
        default=None,
        description=(
            "persistence only: an entity column; the previous label is taken within each "
            "entity (e.g. the same meter or customer)."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # "prior", "column:baseline_p" and "model:models/v1.joblib" are accepted as strings
        if isinstance(value, str):
            kind, _, ref = value.partition(":")
            if kind == "column":
                return {"kind": kind, "column": ref}
            if kind == "model":
                return {"kind": kind, "path": ref}
            if kind == "persistence" and ref:
                return {"kind": kind, "key": ref}
            return {"kind": kind}
        return value

    @model_validator(mode="after")
    def _ref_present(self) -> Baseline:
        if self.kind == "column" and not self.column:
            raise ValueError("a 'column' baseline needs 'column: <name of the baseline column>'")
        if self.kind == "model" and not self.path:
            raise ValueError("a 'model' baseline needs 'path: <model file>'")
        if self.key is not None and self.kind != "persistence":
            raise ValueError("'key' goes with a 'persistence' baseline only")
        return self


class Criterion(_Strict):
    """One acceptance criterion.

    Exactly one of three forms:

    * absolute: ``{metric: roc_auc, at_least: 0.8}`` or ``{metric: ece, at_most: 0.05}``;
    * superiority over the baseline: ``{metric: roc_auc, vs_baseline: improve, by: 0.05}``;
    * non-inferiority: ``{metric: f1, vs_champion: no_worse, margin: 0.01}`` (or vs_baseline).

    ``slice`` restricts the criterion to rows matching every ``column: value`` pair.
    """

    metric: str
    name: str | None = None
    slice: dict[str, Scalar] | None = None
    at_least: float | None = None
    at_most: float | None = None
    vs_baseline: Literal["improve", "no_worse"] | None = None
    vs_champion: Literal["improve", "no_worse"] | None = None
    by: float | None = Field(default=None, ge=0)
    margin: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_form(self) -> Criterion:
        forms = [
            self.at_least is not None,
            self.at_most is not None,
            self.vs_baseline is not None,
            self.vs_champion is not None,
        ]
        if sum(forms) != 1:
            raise ValueError(
                "a criterion needs exactly one of at_least, at_most, vs_baseline, vs_champion"
            )
        versus = self.vs_baseline or self.vs_champion
        if versus == "improve" and self.margin is not None:
            raise ValueError("'improve' takes 'by', not 'margin'")
        if versus == "no_worse" and self.by is not None:
            raise ValueError("'no_worse' takes 'margin', not 'by'")
        if versus is None and (self.by is not None or self.margin is not None):
            raise ValueError("'by' and 'margin' go with vs_baseline or vs_champion")
        return self

    @property
    def kind(self) -> Literal["absolute", "superiority", "non_inferiority"]:
        """``absolute``, ``superiority`` (improve by) or ``non_inferiority`` (no worse than)."""
        versus = self.vs_baseline or self.vs_champion
        if versus is None:
            return "absolute"
        return "superiority" if versus == "improve" else "non_inferiority"

    @property
    def reference(self) -> Literal["baseline", "champion"] | None:
        """What a comparison criterion compares with, or None for absolute ones."""
        if self.vs_baseline:
            return "baseline"
        if self.vs_champion:
            return "champion"
        return None

    def bound(self, *, greater_is_better: bool) -> tuple[Literal["at_least", "at_most"], float]:
        """Reduce the criterion to ``quantity >= t`` or ``quantity <= t``.

        For comparisons the quantity is candidate − reference; improving a lower-is-better
        metric (a loss) by d means the difference is at most −d.

        Examples
        --------
        >>> Criterion(metric="log_loss", vs_baseline="improve", by=0.1).bound(greater_is_better=False)
        ('at_most', -0.1)
        >>> Criterion(metric="f1", vs_champion="no_worse", margin=0.02).bound(greater_is_better=True)
        ('at_least', -0.02)
        """
        if self.at_least is not None:
            return "at_least", self.at_least
        if self.at_most is not None:
            return "at_most", self.at_most
        amount = (self.by if self.kind == "superiority" else -(self.margin or 0.0)) or 0.0
        if greater_is_better:
            return "at_least", amount
        return "at_most", -amount

    def label(self) -> str:
        """A short human description, e.g. ``roc_auc >= 0.8 [region=EU]``."""
        if self.name:
            return self.name
        if self.at_least is not None:
            text = f"{self.metric} >= {self.at_least:g}"
        elif self.at_most is not None:
            text = f"{self.metric} <= {self.at_most:g}"
        elif self.kind == "superiority":
            text = f"{self.metric} improves on {self.reference} by {self.by or 0:g}"
        else:
            text = f"{self.metric} no worse than {self.reference} (margin {self.margin or 0:g})"
        if self.slice:
            text += " [" + ", ".join(f"{k}={v}" for k, v in self.slice.items()) + "]"
        return text


class DataRequirements(_Strict):
    """How much evaluation data a verdict needs before it counts."""

    min_rows: int = Field(default=0, ge=0)
    min_rows_per_slice: int = Field(default=0, ge=0)
    min_rows_per_class: int = Field(default=0, ge=0)


class WebhookConfig(_Strict):
    """Where ``modelpact serve`` delivers this project's alerts."""

    url: str = Field(description="The receiver's URL.")
    format: Literal["json", "slack"] = Field(
        default="json", description="Payload: generic JSON or a Slack-compatible message.")
    secret_env: str = Field(
        default="MODELPACT_WEBHOOK_SECRET",
        description="Environment variable (of the service) holding the HMAC signing secret.")


class MonitoringConfig(_Strict):
    """How production data is chunked and checked; see ``modelpact monitor --help``."""

    chunk_size: int | None = Field(default=None, gt=0)
    chunk_period: str | None = None
    chunks: int | None = Field(default=None, gt=0)
    features: list[str] | None = None
    drift_methods: list[str] = Field(default_factory=lambda: ["jensen_shannon", "wasserstein"])
    false_alarm_rate: float = Field(default=0.01, gt=0, lt=1)
    estimate_performance: bool = True
    multivariate: bool = Field(
        default=True,
        description="Run the multivariate drift checks (domain classifier, PCA reconstruction).",
    )
    min_chunk_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Chunks with fewer rows than this share of a full chunk raise no alert.",
    )
    webhooks: list[WebhookConfig] = Field(
        default_factory=list,
        description="Webhooks the monitoring service sends this project's alerts to.",
    )
    remind_after: str | None = Field(
        default=None,
        description=(
            "Quiet time after which an alert that is still raised is notified again (12h, "
            "1d); 24h when unset. 'modelpact serve --remind-after' overrides it."
        ),
    )

    @field_validator("remind_after")
    @classmethod
    def _remind_period(cls, value: str | None) -> str | None:
        if value is not None and period_seconds(value) <= 0:
            raise ValueError(f"remind_after '{value}' must be a positive period")
        return value


class RetrainTriggers(_Strict):
    """When a retraining is due; any one trigger that fires is enough."""

    alerts: list[AlertKind] = Field(
        default_factory=list,
        description=(
            "Alert kinds of a monitoring result that trigger a retraining: "
            "realized_performance, estimated_performance, drift, data_quality."
        ),
    )
    min_drifted_features: int = Field(
        default=1,
        ge=1,
        description=(
            "A drift alert triggers only when at least this many features drifted, or the "
            "multivariate check fired."
        ),
    )
    every: str | None = Field(
        default=None,
        description="Retrain on a schedule: at most this long after the last one (30d).",
    )
    every_rows: int | None = Field(
        default=None,
        gt=0,
        description=(
            "Retrain once this many new rows arrived since the last one; for gated online "
            "learning (OnlineLearner), the labelled rows between two gates."
        ),
    )
    min_new_labels: int | None = Field(
        default=None,
        gt=0,
        description="Retrain once this many new labelled rows arrived since the last one.",
    )

    @field_validator("every")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        if value is not None:
            period_seconds(value)
        return value


class RetrainWindow(_Strict):
    """Which labelled rows a retraining learns from: all, the last period, or the last N."""

    last: str | None = Field(
        default=None, description="Only rows of the last period (90d), by columns.time."
    )
    last_rows: int | None = Field(default=None, gt=0, description="Only the last N labelled rows.")

    @field_validator("last")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        if value is not None:
            period_seconds(value)
        return value


class RetrainingConfig(_Strict):
    """How the model is retrained, gated against the pact and the champion, and promoted.

    The trainer is the team's own code, named here explicitly: ``modelpact retrain`` imports
    and runs it (in a child process), which is the same trust as running the team's training
    script by hand.
    """

    triggers: RetrainTriggers = Field(default_factory=RetrainTriggers)
    window: RetrainWindow = Field(default_factory=RetrainWindow)
    holdout_rows: int | None = Field(
        default=None,
        gt=0,
        description=(
            "Size of the temporal holdout (the most recent labelled rows, never trained on); "
            "default: what 'plan' says the gate needs to be conclusive."
        ),
    )
    trainer: str | None = Field(
        default=None,
        description=(
            "'package.module:function': called with the training DataFrame (target included), "
            "returns a fitted scikit-learn compatible estimator. 'modelpact retrain' needs it "
            "or 'command'; a pact for gated online learning (OnlineLearner) declares neither."
        ),
    )
    command: list[str] | None = Field(
        default=None,
        description=(
            "A command that trains and writes a model file instead of a trainer function; "
            "{train}, {model} and {champion} are replaced by file paths."
        ),
    )
    incremental: bool = Field(
        default=False,
        description="The trainer also receives a copy of the champion (champion=...) to update.",
    )
    refit_on_window: bool = Field(
        default=False,
        description="After a promotion, refit on the whole window (holdout included).",
    )
    promotion: Literal["non_inferiority", "superiority", "unless_worse"] = Field(
        default="non_inferiority",
        description=(
            "non_inferiority: the challenger is shown no worse than the champion within the "
            "margin on the holdout (paired); superiority: it is shown better; unless_worse: "
            "it replaces the champion unless shown worse by more than the margin (an "
            "undecided comparison promotes: the fresh model is the better bet under drift)."
        ),
    )
    metric: str | None = Field(
        default=None,
        description="Metric the promotion rule compares; default the pact's first criterion's.",
    )
    margin: float | None = Field(
        default=None,
        ge=0,
        description=(
            "Non-inferiority margin; default the pact's vs_champion margin for the metric, else 0."
        ),
    )
    auto_promote: bool = Field(
        default=False,
        description="Promote a challenger that passes the gate; else hold it for approval.",
    )
    timeout: float = Field(default=3600, gt=0, description="Seconds the trainer may run.")

    @field_validator("trainer")
    @classmethod
    def _entry_point(cls, value: str | None) -> str | None:
        if value is not None and not _ENTRY_POINT.match(value):
            raise ValueError(f"'{value}' is not an entry point; write 'package.module:function'")
        return value

    @model_validator(mode="after")
    def _one_trainer(self) -> RetrainingConfig:
        # neither is allowed: an online learner (modelpact.retrain.OnlineLearner) trains
        # itself, and 'modelpact retrain' refuses a pact without one
        if self.trainer is not None and self.command is not None:
            raise ValueError("retraining takes one of 'trainer' or 'command', not both")
        if self.command is not None and not any("{model}" in part for part in self.command):
            raise ValueError("the retraining command must write '{model}'")
        return self


class Pact(_Strict):
    """An agreement on what "done" means for one model, decided on confidence intervals."""

    pact: Literal[1] = Field(default=1, description="Pact file format version.")
    name: str
    task: Task
    columns: Columns
    positive_class: Scalar | None = Field(
        default=None, description="The target value that counts as positive (binary tasks)."
    )
    classes: list[Scalar] | None = Field(
        default=None, description="All target values, in order (multiclass tasks)."
    )
    threshold: float = Field(
        default=0.5, gt=0, lt=1, description="Decision threshold on the score (binary tasks)."
    )
    baseline: Baseline = Field(default_factory=Baseline)
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    criteria: Annotated[list[Criterion], Field(min_length=1)]
    data: DataRequirements = Field(default_factory=DataRequirements)
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)
    retraining: RetrainingConfig | None = Field(
        default=None, description="How 'modelpact retrain' retrains, gates and promotes."
    )

    @model_validator(mode="before")
    @classmethod
    def _default_baseline(cls, value: Any) -> Any:
        # the natural baseline depends on the task: a prior score, or the training mean
        if isinstance(value, dict) and "baseline" not in value:
            kind = "mean" if value.get("task") == "regression" else "prior"
            return {**value, "baseline": {"kind": kind}}
        return value

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Pact:
        if self.task == "binary" and self.positive_class is None:
            raise ValueError(
                "positive_class: a binary pact needs it (the target value that counts as 1)"
            )
        if self.task == "multiclass":
            if not isinstance(self.columns.score, dict) and self.columns.prediction is None:
                raise ValueError(
                    "columns: a multiclass pact needs score as {class: column} or a prediction"
                )
        elif isinstance(self.columns.score, dict):
            raise ValueError("columns.score: a mapping of class columns is for multiclass tasks")
        if self.task != "regression" and self.baseline.kind in ("mean", "median"):
            raise ValueError(f"baseline: '{self.baseline.kind}' is for regression tasks")
        if self.retraining is not None:
            self._check_retraining(self.retraining)
        problems = criteria_problems(
            self.task, self.columns.slices, [c.model_dump() for c in self.criteria]
        )
        if problems:
            raise ValueError(f"{problems[0][0]}: {problems[0][1]}")
        return self

    def _check_retraining(self, config: RetrainingConfig) -> None:
        from modelpact.stats import METRICS

        if config.metric is not None:
            metric = METRICS.get(config.metric)
            if metric is None or self.task not in metric.tasks:
                raise ValueError(
                    f"retraining.metric: '{config.metric}' is not a metric of {self.task} tasks"
                )
        if config.window.last is not None and self.columns.time is None:
            raise ValueError("retraining.window.last needs columns.time to know the rows' times")


def criteria_problems(
    task: str | None, slices: list[str], criteria: list[Any]
) -> list[tuple[str, str]]:
    """Every problem of the criteria against the metric registry and the declared slices.

    Works on plain mappings too, so ``pact check`` can report these alongside field errors
    that stop pydantic before the model-level checks run. Returns ``(path, message)`` pairs,
    paths like ``criteria[2].at_least``. With *task* None (itself invalid) metric names are
    checked against every task.
    """
    from modelpact.errors import closest
    from modelpact.stats import METRICS  # the registry is the single list of metric names

    problems: list[tuple[str, str]] = []
    for i, criterion in enumerate(criteria):
        if not isinstance(criterion, dict) or not isinstance(criterion.get("metric"), str):
            continue
        name = criterion["metric"]
        metric = METRICS.get(name)
        if metric is None:
            names = [n for n, m in METRICS.items() if task is None or task in m.tasks]
            problems.append(
                (
                    f"criteria[{i}].metric",
                    f"unknown metric '{name}'{closest(name, names)} "
                    f"(known for {task or 'any task'}: {', '.join(sorted(names))})",
                )
            )
            continue
        if task is not None and task not in metric.tasks:
            problems.append(
                (f"criteria[{i}].metric", f"metric '{name}' is not defined for {task} tasks")
            )
        low, high = metric.bounds
        for key in ("at_least", "at_most"):
            value = criterion.get(key)
            if isinstance(value, int | float) and not (low <= value <= high):
                problems.append(
                    (
                        f"criteria[{i}].{key}",
                        f"{value:g} is impossible for {name}, whose values lie in "
                        f"[{_fmt(low)}, {_fmt(high)}]",
                    )
                )
        where = criterion.get("slice")
        if isinstance(where, dict):
            unknown = [c for c in where if c not in slices]
            if unknown:
                problems.append(
                    (
                        f"criteria[{i}].slice",
                        f"column '{unknown[0]}' is not listed in columns.slices "
                        f"({', '.join(slices) or 'none listed'})",
                    )
                )
    return problems


def _fmt(value: float) -> str:
    return (
        "inf" if math.isinf(value) and value > 0 else "-inf" if math.isinf(value) else f"{value:g}"
    )
