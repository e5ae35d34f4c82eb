"""The layering of DESIGN.md, checked on the source: domain code never imports cli, service
or report, and stats imports nothing from the project but its error tree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import modelpact

PACKAGE = Path(modelpact.__file__).parent
DOMAIN = ["audit", "data", "engines", "evaluate", "ledger", "monitor", "pact", "retrain",
          "tracking"]
EDGES = ("modelpact.cli", "modelpact.service", "modelpact.report")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(area: str) -> list[Path]:
    return sorted((PACKAGE / area).rglob("*.py"))


@pytest.mark.parametrize("area", DOMAIN)
def test_domain_never_imports_the_edges(area: str) -> None:
    offending = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(area)
        for name in _imports(path)
        if name.startswith(EDGES)
    }
    assert not offending


def test_stats_imports_nothing_from_the_project() -> None:
    offending = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules("stats")
        for name in _imports(path)
        if name.startswith("modelpact") and not name.startswith("modelpact.stats")
        and name != "modelpact.errors"
    }
    assert not offending


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from modelpact.service.analysis import AnalysisService\n", encoding="utf-8")
    assert "modelpact.service.analysis" in _imports(bad)
