"""Reading, checking and writing pact files, with errors that point at the offending line."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from modelpact.errors import PactError
from modelpact.pact.model import Pact, criteria_problems

if TYPE_CHECKING:
    import pandas as pd

# Cross-field checks raise "criteria[2].at_least: message": the prefix locates the line.
_PATH = re.compile(r"^(?P<path>[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+)*): (?P<message>.+)$", re.S)

__all__ = ["PactProblem", "check_pact", "load_pact", "pact_schema", "parse_pact", "starter_pact"]


@dataclass(frozen=True)
class PactProblem:
    """One thing wrong with a pact file, located by line."""

    line: int | None
    location: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        field = f"{self.location}: " if self.location else ""
        return f"{where}{field}{self.message}"


def _node_at(node: yaml.Node, loc: tuple[int | str, ...]) -> yaml.Node:
    """Follow a pydantic error location down the YAML node tree as far as it goes."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == key:
                    node = v
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if key >= len(node.value):
                return node
            node = node.value[key]
        else:
            return node
    return node


def _loc(path: str) -> tuple[int | str, ...]:
    """``criteria[2].at_least`` -> ``("criteria", 2, "at_least")``."""
    parts = re.sub(r"\[(\d+)\]", r".\1", path).split(".")
    return tuple(int(p) if p.isdigit() else p for p in parts)


def check_pact(text: str, *, source: str = "<pact>") -> tuple[Pact | None, list[PactProblem]]:
    """Validate pact YAML text; return the pact (or None) and every problem found, with lines."""
    try:
        root = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [PactProblem(line, "", f"not valid YAML: {problem}")]
    if root is None or not isinstance(raw, dict):
        return None, [
            PactProblem(1, "", "a pact is a YAML mapping with name, task, columns, criteria")
        ]
    try:
        return Pact.model_validate(raw), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
            node = _node_at(root, loc)
            message = str(error["msg"]).removeprefix("Value error, ")
            located = _PATH.match(message)
            if located and error["type"] == "value_error":
                loc = loc + _loc(located["path"])
                node = _node_at(root, loc)
                message = located["message"]
            if error["type"] == "extra_forbidden":
                message = f"unknown field '{loc[-1]}'"
            elif error["type"] == "missing":
                message = f"missing required field '{loc[-1]}'"
            location = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
            location = location.lstrip(".")
            problems.append(PactProblem(node.start_mark.line + 1, location, message))
        # pydantic stops before model-level checks when a field is wrong; check the criteria
        # anyway, so one run lists every problem
        seen = {(p.location, p.message) for p in problems}
        columns = raw.get("columns")
        slices = columns.get("slices") if isinstance(columns, dict) else None
        task = raw.get("task")
        if isinstance(raw.get("criteria"), list):
            for where, message in criteria_problems(
                task if task in ("binary", "multiclass", "regression") else None,
                slices if isinstance(slices, list) else [],
                raw["criteria"],
            ):
                if (where, message) in seen:
                    continue
                line = _node_at(root, _loc(where)).start_mark.line + 1
                problems.append(PactProblem(line, where, message))
        problems.sort(key=lambda p: p.line or 0)
        return None, problems


def parse_pact(text: str, *, source: str = "<pact>") -> Pact:
    """Validate pact YAML text; raise :class:`PactError` listing every problem with its line."""
    pact, problems = check_pact(text, source=source)
    if pact is None:
        listed = "; ".join(str(p) for p in problems)
        raise PactError(f"{source}: {listed}")
    return pact


def load_pact(path: str | Path | Pact) -> Pact:
    """Load and validate a pact file (a :class:`Pact` passes through unchanged).

    Examples
    --------
    >>> pact = parse_pact('''
    ... name: churn
    ... task: binary
    ... positive_class: 1
    ... columns: {target: churned, score: p_churn}
    ... criteria:
    ...   - {metric: roc_auc, at_least: 0.75}
    ... ''')
    >>> pact.criteria[0].label()
    'roc_auc >= 0.75'
    """
    if isinstance(path, Pact):
        return path
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PactError(f"{p}: no such pact file; create one with 'modelpact pact init'") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PactError(f"{p}: cannot be read: {exc}") from None
    return parse_pact(text, source=str(p))


def pact_schema() -> dict[str, Any]:
    """The JSON Schema of a pact file."""
    schema = Pact.model_json_schema()
    schema["$id"] = "https://modelpact.dev/schema/pact/v1.json"
    schema["title"] = "modelpact pact, version 1"
    return schema


def starter_pact(frame: pd.DataFrame, *, target: str, name: str, score: str | None = None) -> str:
    """Write a commented starter pact for *frame*, guessing the task from the target.

    The thresholds are placeholders to negotiate, set from the task's usual scale, never from
    the data: a pact is agreed before the results are seen.
    """
    import pandas as pd

    y = frame[target].dropna()
    values = pd.unique(y)
    if pd.api.types.is_float_dtype(y) and len(values) > 20:
        task = "regression"
    elif len(values) <= 2:
        task = "binary"
    else:
        task = "multiclass"
    others = [str(c) for c in frame.columns if c != target and c != score]
    low_cardinality = [c for c in others if 1 < frame[c].nunique(dropna=True) <= 12]
    lines = [
        "# modelpact pact: what 'done' means for this model, agreed before experiments start.",
        "# Every criterion is decided on a confidence interval: pass, fail or inconclusive.",
        "# Fields: `modelpact pact schema`. Check this file: `modelpact pact check pact.yaml`.",
        "pact: 1",
        f"name: {json.dumps(name)}",
        f"task: {task}             # binary | multiclass | regression",
        "columns:",
        f"  target: {json.dumps(target)}",
    ]
    if task == "multiclass":
        mapping = ", ".join(f"{json.dumps(str(v))}: {json.dumps(f'p_{v}')}" for v in values)
        lines.append(f"  score: {{{mapping}}}   # one probability column per class")
    else:
        lines.append(
            f"  score: {json.dumps(score or ('prediction' if task == 'regression' else 'score'))}"
            + ("   # P(positive class)" if task == "binary" else "   # the model's prediction")
        )
    lines.append(
        f"  slices: [{', '.join(json.dumps(c) for c in low_cardinality[:2])}]"
        "   # columns to check per group"
    )
    if task == "binary":
        counts = y.value_counts()
        positive = counts.index[-1]  # the rarer class is usually the one of interest
        lines.append(
            f"positive_class: {json.dumps(_plain(positive))}   # target value that counts as positive"
        )
        lines.append("threshold: 0.5          # score >= threshold predicts the positive class")
    if task == "multiclass":
        lines.append(f"classes: [{', '.join(json.dumps(_plain(v)) for v in values)}]")
    lines += [
        f"baseline: {{kind: {'mean' if task == 'regression' else 'prior'}}}"
        "   # prior | majority | mean | median | column:<name> | model:<file>",
        "confidence: 0.95        # each criterion must hold at this confidence",
        "criteria:",
    ]
    if task == "binary":
        lines += [
            "  - {metric: roc_auc, at_least: 0.80}",
            "  - {metric: roc_auc, vs_baseline: improve, by: 0.10}",
            "  - {metric: recall, at_least: 0.60}",
            "  - {metric: ece, at_most: 0.05}",
        ]
    elif task == "multiclass":
        lines += [
            "  - {metric: accuracy, at_least: 0.80}",
            "  - {metric: f1_macro, at_least: 0.70}",
            "  - {metric: accuracy, vs_baseline: improve, by: 0.10}",
        ]
    else:
        lines += [
            "  - {metric: r2, at_least: 0.50}",
            "  - {metric: mae, vs_baseline: improve, by: 0.0}",
        ]
    lines += [
        "data:",
        "  min_rows: 1000         # fewer evaluation rows: the verdict says so",
        "  min_rows_per_slice: 100",
    ]
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> Any:
    """NumPy scalars to Python ones, so json.dumps writes them as YAML understands."""
    return value.item() if hasattr(value, "item") else value
