"""Names entering the ledger follow one rule; id-prefix lookups match prefixes, not patterns."""

from __future__ import annotations

import pandas as pd
import pytest

from modelpact.errors import ConfigurationError, NotFoundError
from modelpact.ledger import Store
from modelpact.ledger.names import check_name

BAD_NAMES = [
    "",
    ".",
    "..",
    "...",
    "%2e%2e",
    "%2E.",
    "a/b",
    "..%2fetc",
    "a\\b",
    "churn:2",
    "churn@champion",
    " churn",
    "churn ",
    "a\nb",
    "a\x00b",
    "a\u202eb",  # right-to-left override: shows one name, stores another
    "x" * 201,
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_names_are_refused_saying_why(name: str) -> None:
    with pytest.raises(ConfigurationError, match=r"project name '.*' is not valid: \w"):
        check_name(name)


@pytest.mark.parametrize("name", ["churn", "tumour-screening", "churn v2", "a.b", "Ünïcode_1"])
def test_ordinary_names_pass(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["..", "%2e%2e", "a/b", "a\x1bb"])
def test_the_store_refuses_bad_project_and_model_names(store: Store, name: str) -> None:
    with pytest.raises(ConfigurationError, match="project name"):
        store.ensure_project(name)
    with pytest.raises(ConfigurationError, match="model name"):
        store.register_model(project="churn", model={"weights": [1]}, name=name)
    assert store.list_projects() == []


def test_run_lookup_by_prefix_does_not_read_wildcards(store: Store) -> None:
    runs = [store.create_run("churn") for _ in range(3)]
    assert store.get_run(runs[0].id[:6]).id == runs[0].id
    for pattern in ("%%%%", "____", runs[0].id[:3] + "%", runs[0].id[:3] + "_"):
        with pytest.raises(NotFoundError, match="no run"):
            store.get_run(pattern)


def test_version_and_dataset_lookups_do_not_read_wildcards(store: Store) -> None:
    version = store.register_model(project="churn", model={"weights": [1]})
    store.register_model(project="churn", model={"weights": [2]})
    assert store.get_model_version(version.id[:6]).id == version.id
    with pytest.raises(NotFoundError, match="no model version"):
        store.get_model_version("%%%%")
    snapshot = store.log_dataset(pd.DataFrame({"x": [1, 2]}), name="d")
    store.log_dataset(pd.DataFrame({"x": [3, 4]}), name="e")
    assert store.get_dataset(snapshot.fingerprint[:8]).id == snapshot.id
    with pytest.raises(NotFoundError, match="no dataset"):
        store.get_dataset("%")
