"""Open the configured storage (database + artifacts) the same way for every command."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.errors import OperationalError
from core.settings import Settings
from storage.artifacts import Artifacts, ArtifactStore
from storage.db import make_engine, session_factory
from storage.migrate import current_revision, head_revision, upgrade


class SchemaOutOfDate(OperationalError):
    """The database is older than this Vigie: ``vigie init`` upgrades it."""


@dataclass
class Storage:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    artifacts: Artifacts

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> Storage:
        """Open storage; with ``migrate`` the schema is created or upgraded first."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url)
        if migrate:
            upgrade(engine)
        elif current_revision(engine) != head_revision(engine):
            raise SchemaOutOfDate(
                f"database {settings.public_dict()['database_url']} is not at the newest "
                "schema: run `vigie init`"
            )
        return cls(settings, engine, session_factory(engine), ArtifactStore(settings.artifacts_dir))

    def artifacts_at(self, root: str | None) -> Artifacts:
        """The artifacts of a run that recorded ``root`` (None: an older run, whose artifacts
        are in the current data folder's)."""
        if root is None or Path(root) == self.settings.artifacts_dir.resolve():
            return self.artifacts
        return ArtifactStore(Path(root))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
