"""Reading evaluation and training tables from files or in-memory frames.

Everything that enters modelpact passes through :func:`load_frame`, so every input error names
its source (a file path, or ``<DataFrame>``) in the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from modelpact.errors import ColumnNotFoundError, InvalidDataError, closest

__all__ = ["DataSource", "load_frame", "read_table", "require_columns"]

_CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".gz", ".bz2", ".zip", ".xz"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}

# What users hand to the Python API: a path, a pandas frame, or a polars frame.
DataSource = str | Path | pd.DataFrame | Any

# Run artifacts in MLflow (runs:/<run_id>/<path>) are fetched through MLflow; the bridge, and
# MLflow itself, are imported only when such a URI is given.
_MLFLOW_ARTIFACT = "runs:/"


# pandas 3 passes these to pyarrow's to_pandas; older pandas has no such parameter
_LEAN_PARQUET: dict[str, Any] = (
    {"to_pandas_kwargs": {"self_destruct": True, "split_blocks": True}}
    if int(pd.__version__.split(".")[0]) >= 3 else {})


def _release_arrow_memory() -> None:
    # Arrow's allocator keeps freed conversion buffers for reuse; give them back to the OS
    import pyarrow

    pyarrow.default_memory_pool().release_unused()


def _read_parquet(path: Path, columns: list[str] | None) -> pd.DataFrame:
    """Read Parquet at about the size of the result, not twice it.

    Reading a whole table keeps Arrow's copy alive while pandas builds its own, so memory
    peaks at about twice the table. A single file without a stored index is read one column
    at a time (the same pandas conversion per column, so the same dtypes) and the columns
    are put together without a copy; anything else takes pandas' own path.
    """
    import pyarrow.parquet as pq

    if path.is_dir():
        frame = pd.read_parquet(path, columns=columns, engine="pyarrow", **_LEAN_PARQUET)
        _release_arrow_memory()
        return frame
    schema = pq.read_schema(path)
    names = list(schema.names) if columns is None else list(columns)
    stored_index = (schema.pandas_metadata or {}).get("index_columns", [])
    if any(isinstance(c, str) for c in stored_index) or not set(names) <= set(schema.names) \
            or len(set(names)) != len(names):
        frame = pd.read_parquet(path, columns=columns, engine="pyarrow", **_LEAN_PARQUET)
        _release_arrow_memory()
        return frame
    parts: dict[str, pd.Series] = {}
    for name in names:
        parts[name] = pd.read_parquet(path, columns=[name], engine="pyarrow")[name]
        _release_arrow_memory()
    return pd.DataFrame(parts, copy=False)


def read_table(path: str | Path, *, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame, with errors that name the file.

    Parameters
    ----------
    path
        A ``.csv`` (optionally compressed) or ``.parquet`` file, or an MLflow run artifact
        ``runs:/<run_id>/<path>`` holding one (needs the ``mlflow`` extra).
    columns
        Read only these columns (Parquet reads them selectively).

    Raises
    ------
    InvalidDataError
        When the file does not exist, cannot be parsed, or holds no rows.
    """
    if str(path).startswith(_MLFLOW_ARTIFACT):
        from modelpact.mlflow.uris import read_run_table

        return read_run_table(str(path), columns=columns)
    p = Path(path)
    if not p.exists():
        raise InvalidDataError(f"{p}: no such file")
    if p.is_dir() and not any(p.glob("*.parquet")):
        raise InvalidDataError(f"{p}: is a directory, not a CSV or Parquet file")
    suffix = p.suffix.lower()
    try:
        if suffix in _PARQUET_SUFFIXES or p.is_dir():
            frame = _read_parquet(p, columns)
        elif suffix in _CSV_SUFFIXES:
            sep = "\t" if suffix == ".tsv" else ","
            frame = pd.read_csv(p, sep=sep, usecols=columns, low_memory=False)
        else:
            raise InvalidDataError(
                f"{p}: unsupported file type '{suffix or '(none)'}'; use .csv or .parquet"
            )
    except InvalidDataError:
        raise
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidDataError(f"{p}: cannot be parsed: {first}") from None
    except ValueError as exc:
        if columns is not None and "Usecols" in str(exc):
            # pandas says which columns are missing; re-raise as our own error with a hint
            header = pd.read_csv(p, nrows=0).columns
            missing = [c for c in columns if c not in header]
            raise ColumnNotFoundError(
                f"{p}: no column '{missing[0]}'{closest(missing[0], header)}"
            ) from None
        raise InvalidDataError(f"{p}: cannot be read as {suffix.lstrip('.')}: {exc}") from None
    except Exception as exc:  # pyarrow raises its own types for corrupt Parquet
        raise InvalidDataError(f"{p}: cannot be read: {exc}") from None
    if frame.shape[1] == 0:
        raise InvalidDataError(f"{p}: has no columns")
    if len(frame) == 0:
        raise InvalidDataError(f"{p}: has a header but no rows")
    return frame


def load_frame(data: DataSource, *, name: str | None = None) -> tuple[pd.DataFrame, str]:
    """Turn a path, pandas or polars frame into a pandas DataFrame and a name for messages.

    Returns
    -------
    frame, source
        The table and how to refer to it in errors (the path, or ``name``/``<DataFrame>``).
    """
    if isinstance(data, pd.DataFrame):
        if len(data) == 0:
            raise InvalidDataError(f"{name or '<DataFrame>'}: has no rows")
        return data, name or "<DataFrame>"
    if isinstance(data, str | Path):
        return read_table(data), str(data)
    to_pandas = getattr(data, "to_pandas", None)
    if callable(to_pandas):  # polars, pyarrow tables
        frame = to_pandas()
        if isinstance(frame, pd.DataFrame):
            return load_frame(frame, name=name or f"<{type(data).__name__}>")
    raise InvalidDataError(
        f"cannot use an object of type {type(data).__name__} as data; "
        "pass a file path, a pandas DataFrame or a polars DataFrame"
    )


def require_columns(frame: pd.DataFrame, names: list[str], *, source: str, role: str = "") -> None:
    """Raise :class:`ColumnNotFoundError` for the first of *names* missing from *frame*.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"score": [0.1]}), ["scroe"], source="eval.csv")
    Traceback (most recent call last):
    ...
    modelpact.errors.ColumnNotFoundError: eval.csv: no column 'scroe'; did you mean 'score'?
    """
    present = [str(c) for c in frame.columns]
    for column in names:
        if column not in frame.columns:
            what = f" (the {role})" if role else ""
            raise ColumnNotFoundError(
                f"{source}: no column '{column}'{what}{closest(column, present)}"
            )
