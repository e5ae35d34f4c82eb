"""Alembic environment for the ledger.

The store hands over an open connection (``config.attributes["connection"]``) so that
migrations run inside the caller's transaction and lock; there is no ``alembic.ini`` to edit.
"""

from __future__ import annotations

from alembic import context

from modelpact.ledger.schema import Base

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Emit SQL to stdout for a URL, without connecting (``alembic upgrade --sql``)."""
    config = context.config
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on the connection the store opened."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            context.configure(
                connection=conn, target_metadata=target_metadata, render_as_batch=True
            )
            with context.begin_transaction():
                context.run_migrations()
        engine.dispose()
        return
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _in_alembic() -> bool:
    # Importing this module outside an Alembic command (doctest collection, say) must not run
    # anything: Alembic's context proxy only has a config while a command runs.
    try:
        context.config  # noqa: B018
    except AttributeError:
        return False
    return True


if _in_alembic():
    if context.is_offline_mode():
        run_migrations_offline()
    else:
        run_migrations_online()
