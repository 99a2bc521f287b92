"""Read-only views of stored captures: what every check receives. Nothing here touches a page.

The JSON parts (collector, axe, summary, ...) are typed by the capture contract,
``core/capture.py``, described key by key in docs/captures.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from core.capture import AxeResult, Collected, RedirectHop, Summary, Timings, ToolVersions
from storage.artifacts import Artifacts


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
    summary: Summary
    timings: Timings
    tool_versions: ToolVersions
    screenshot_sha256: str | None
    html_sha256: str | None
    axe_sha256: str | None
    collector_sha256: str | None
    artifacts: Artifacts = field(repr=False)
    redirect_chain: list[RedirectHop] = field(default_factory=list)
    captured_at: datetime | None = None  # when the capture was made (UTC)
    error_kind: str | None = None  # core.errors.ErrorKind of a failed capture

    @property
    def url(self) -> str:
        return self.final_url or self.requested_url

    @cached_property
    def axe(self) -> AxeResult | None:
        return self.artifacts.get_json(self.axe_sha256) if self.axe_sha256 else None

    @cached_property
    def collector(self) -> Collected | None:
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
