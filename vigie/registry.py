"""The list of services to scan: YAML format, observatory CSV import, validation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ServiceSpec:
    """One service as the registry describes it (the `service` table's editable fields)."""

    slug: str
    name: str
    start_url: str
    extra_urls: list[str] = field(default_factory=list)
    ministry: str | None = None
    administration: str | None = None
    jdma_id: str | None = None
    declared: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
