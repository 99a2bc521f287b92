"""Alembic environment: the engine comes from storage.migrate, never from an ini file."""

from alembic import context
from sqlalchemy import text

from storage.models import Base

# Processes that start together on a new database (a scan and its workers, two schedulers)
# each upgrade it: on PostgreSQL they take turns on this lock, and the later ones find the
# schema already at head.
MIGRATION_LOCK = 7_261_526

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
