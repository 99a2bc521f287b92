"""`ServiceSpec`: one service as a service list describes it, whatever the file format."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Protocol


class ServiceRow(Protocol):
    """What `ServiceSpec.from_model` reads: a stored service (`storage.models.Service`).

    A protocol, so that the service list does not depend on the database schema.
    """

    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def start_url(self) -> str | None: ...
    @property
    def extra_urls(self) -> list[Any] | None: ...
    @property
    def ministry(self) -> str | None: ...
    @property
    def administration(self) -> str | None: ...
    @property
    def jdma_id(self) -> str | None: ...
    @property
    def declared(self) -> dict[str, Any] | None: ...
    @property
    def extra(self) -> dict[str, Any] | None: ...
    @property
    def schedule(self) -> str | None: ...


@dataclass
class ServiceSpec:
    """One service as the registry describes it (the `service` table's editable fields)."""

    slug: str
    name: str
    start_url: str | None  # None: no online procedure (« pas de démarche en ligne »), not scanned
    extra_urls: list[str] = field(default_factory=list)
    ministry: str | None = None
    administration: str | None = None
    jdma_id: str | None = None
    declared: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    schedule: str | None = None  # its own schedule (core.schedules); None: the main run

    def column_values(self) -> dict[str, Any]:
        """The `Service` columns this spec sets (copies: rows must not share our dicts)."""
        return {
            "slug": self.slug,
            "name": self.name,
            "start_url": self.start_url,
            "extra_urls": list(self.extra_urls),
            "ministry": self.ministry,
            "administration": self.administration,
            "jdma_id": self.jdma_id,
            "declared": copy.deepcopy(self.declared),
            "extra": copy.deepcopy(self.extra),
            "schedule": self.schedule,
        }

    def to_yaml_entry(self) -> dict[str, Any]:
        """The entry as written in a YAML registry (empty optional fields left out)."""
        values = self.column_values()
        entry: dict[str, Any] = {"id": values.pop("slug"), "name": values.pop("name"),
                                 "start_url": values.pop("start_url")}
        entry.update({k: v for k, v in values.items() if v not in (None, [], {})})
        return entry

    @classmethod
    def from_model(cls, row: ServiceRow) -> ServiceSpec:
        return cls(
            slug=row.slug,
            name=row.name,
            start_url=row.start_url,
            extra_urls=list(row.extra_urls or []),
            ministry=row.ministry,
            administration=row.administration,
            jdma_id=row.jdma_id,
            declared=dict(row.declared or {}),
            extra=dict(row.extra or {}),
            schedule=row.schedule,
        )
