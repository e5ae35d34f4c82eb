"""Writing a run's row behind the store's back, as another host or a dead process would have."""

from __future__ import annotations

from typing import Any

import sqlalchemy

from modelpact.ledger.schema import RunRow


def set_run_columns(store_url: str, run_id: str, **values: Any) -> None:
    """Set columns of run *run_id* directly in the database at *store_url*."""
    engine = sqlalchemy.create_engine(store_url)
    try:
        with engine.begin() as conn:
            conn.execute(sqlalchemy.update(RunRow).where(RunRow.id == run_id).values(**values))
    finally:
        engine.dispose()
