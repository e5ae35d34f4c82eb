"""Output files: checked before writing, written under per-process names, all or none."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from modelpact._files import (
    all_or_nothing,
    atomic_write_text,
    check_output_path,
    check_output_paths,
)
from modelpact.errors import ConfigurationError


def _names(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_failing_block_leaves_no_file_and_no_new_directory(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("before")
    def command() -> None:
        with all_or_nothing():
            atomic_write_text(tmp_path / "old.txt", "after")
            atomic_write_text(tmp_path / "new" / "deep" / "b.txt", "b")
            raise RuntimeError("registration refused")

    with pytest.raises(RuntimeError):
        command()
    assert _names(tmp_path) == ["old.txt"]
    assert (tmp_path / "old.txt").read_text() == "before"


def test_a_succeeding_block_renames_every_file_at_its_end(tmp_path: Path) -> None:
    with all_or_nothing():
        atomic_write_text(tmp_path / "a.txt", "a")
        atomic_write_text(tmp_path / "sub" / "b.txt", "b")
        assert not (tmp_path / "a.txt").exists()  # nothing visible until the block succeeds
    assert _names(tmp_path) == ["a.txt", "sub", "sub/b.txt"]
    assert (tmp_path / "sub" / "b.txt").read_text() == "b"


def test_commit_inside_the_block_keeps_what_was_written(tmp_path: Path) -> None:
    def command() -> None:
        with all_or_nothing() as commit:
            atomic_write_text(tmp_path / "a.txt", "a")
            commit()
            raise SystemExit(1)  # an outcome such as a failed verdict, after the reports

    with pytest.raises(SystemExit):
        command()
    assert (tmp_path / "a.txt").read_text() == "a"


def test_concurrent_writers_of_one_file_never_collide(tmp_path: Path) -> None:
    target = tmp_path / "same.html"
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            for _ in range(20):
                atomic_write_text(target, f"writer {i}\n" * 1000)
        except BaseException as exc:  # pragma: no cover - the failure being tested for
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _names(tmp_path) == ["same.html"]
    text = target.read_text()
    assert text == text.splitlines()[0] + "\n" + (text.splitlines()[0] + "\n") * 999


def test_written_files_follow_the_umask_not_0600(tmp_path: Path) -> None:
    import os

    mask = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "r.html", "x")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_check_names_each_problem(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigurationError, match="dir: is a directory"):
        check_output_path(tmp_path / "dir")
    with pytest.raises(ConfigurationError, match="file is not a directory"):
        check_output_path(tmp_path / "file" / "r.json")
    with pytest.raises(ConfigurationError, match="/proc/nope cannot be created"):
        check_output_path("/proc/nope/r.json")
    with pytest.raises(ConfigurationError, match="are the same file"):
        check_output_paths([tmp_path / "a.json", None, tmp_path / "x" / ".." / "a.json"])
    check_output_paths([tmp_path / "new" / "a.json", tmp_path / "b.json", None])
    assert _names(tmp_path) == ["dir", "file"]  # checking created nothing


def test_writing_through_a_symlink_replaces_its_target(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text("old")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    atomic_write_text(tmp_path / "link.json", "new")
    assert (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "real.json").read_text() == "new"
