"""Check inputs from saved captures, for browser-free check tests.

A saved capture is a JSON file made by ``tests/fixtures/make_captures.py`` from a fixture HTML
page (the real collector and axe-core in real Chromium), or written by hand for capture-level
facts (HTTP status, TLS, timings). Keys: ``url``, ``viewport``, ``page_kind``, ``outcome``,
``http_status``, ``error``, ``title``, ``collector``, ``axe``, ``summary``, ``timings``,
``html``, ``redirect_chain``, ``captured_at`` (ISO 8601). Their JSON parts follow the capture
contract (``core/capture.py``, docs/captures.md); tests/test_capture_contract.py checks them.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from checks.inputs import CaptureView, ServiceCaptures, ServiceInfo
from storage.artifacts import ArtifactStore

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "checks"
_ids = itertools.count(1)


def view(store: ArtifactStore, data: dict[str, Any]) -> CaptureView:
    """A CaptureView over ``data`` (a saved capture), its artifacts put in ``store``."""
    html = data.get("html")
    return CaptureView(
        id=data.get("id") or next(_ids),
        viewport=data.get("viewport", "desktop"),
        page_kind=data.get("page_kind", "start"),
        requested_url=data.get("requested_url") or data["url"],
        final_url=data.get("url"),
        outcome=data.get("outcome", "ok"),
        http_status=data.get("http_status", 200),
        error=data.get("error"),
        error_kind=data.get("error_kind"),
        title=data.get("title") or (data.get("collector") or {}).get("title"),
        summary=data.get("summary", {}),
        timings=data.get("timings", {}),
        tool_versions=data.get("tool_versions", {"axe-core": "4.14.1"}),
        screenshot_sha256=store.put(b"fake screenshot", "png"),
        html_sha256=store.put(html.encode("utf-8"), "html") if html is not None else None,
        axe_sha256=store.put_json(data["axe"]) if data.get("axe") is not None else None,
        collector_sha256=(store.put_json(data["collector"])
                          if data.get("collector") is not None else None),
        artifacts=store,
        redirect_chain=data.get("redirect_chain", []),
        captured_at=(datetime.fromisoformat(data["captured_at"])
                     if data.get("captured_at") else None),
    )


def saved(check_id: str, name: str) -> dict[str, Any]:
    """The saved capture ``tests/fixtures/checks/<check_id>/<name>.capture.json`` as data."""
    path = FIXTURES / check_id / f"{name}.capture.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load(store: ArtifactStore, check_id: str, name: str) -> CaptureView:
    """``tests/fixtures/checks/<check_id>/<name>.capture.json`` as a CaptureView."""
    return view(store, saved(check_id, name))


def service(captures: list[CaptureView], *, slug: str = "fixture", jdma_id: str | None = None,
            declared: dict[str, Any] | None = None,
            start_url: str = "http://fixture.test/") -> ServiceCaptures:
    return ServiceCaptures(
        ServiceInfo(slug=slug, name="Service de test", start_url=start_url, jdma_id=jdma_id,
                    declared=declared or {}),
        captures,
    )
