"""Read-only views of stored captures: what every check receives. Nothing here touches a page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from storage.artifacts import ArtifactStore


@dataclass
class CaptureView:
    id: int
    viewport: str
    page_kind: str
    requested_url: str
    final_url: str | None
    outcome: str
    http_status: int | None
    error: str | None
    title: str | None
    summary: dict[str, Any]
    timings: dict[str, Any]
    tool_versions: dict[str, Any]
    screenshot_sha256: str | None
    html_sha256: str | None
    axe_sha256: str | None
    collector_sha256: str | None
    artifacts: ArtifactStore = field(repr=False)
    redirect_chain: list[dict[str, Any]] = field(default_factory=list)  # [{url, status}]
    captured_at: datetime | None = None  # when the capture was made (UTC)
    error_kind: str | None = None  # core.errors.ErrorKind of a failed capture

    @property
    def url(self) -> str:
        return self.final_url or self.requested_url

    @cached_property
    def axe(self) -> dict[str, Any] | None:
        return self.artifacts.get_json(self.axe_sha256) if self.axe_sha256 else None

    @cached_property
    def collector(self) -> dict[str, Any] | None:
        return self.artifacts.get_json(self.collector_sha256) if self.collector_sha256 else None

    @cached_property
    def html(self) -> str | None:
        if not self.html_sha256:
            return None
        return self.artifacts.get(self.html_sha256, "html").decode("utf-8", "replace")


@dataclass
class ServiceInfo:
    slug: str
    name: str
    start_url: str
    jdma_id: str | None
    declared: dict[str, Any]


@dataclass
class ServiceCaptures:
    service: ServiceInfo
    captures: list[CaptureView]

    def ok(self, viewport: str | None = None) -> list[CaptureView]:
        return [c for c in self.captures
                if c.outcome == "ok" and (viewport is None or c.viewport == viewport)]
