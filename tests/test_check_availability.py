"""The `availability` check on hand-written start page captures, without a browser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from checks.availability import judge_availability
from checks.inputs import CaptureView
from checks.model import Finding, Outcome
from checks.registry import get_check
from checks.runner import evaluate
from storage.artifacts import ArtifactStore
from tests import checkkit
from tests.checkkit import saved as checkkit_saved

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # the fixtures' captured_at


def saved(name: str) -> dict[str, Any]:
    return checkkit_saved("availability", name)


def judge(captures: list[CaptureView], now: datetime | None = NOW) -> Finding:
    findings = list(judge_availability(checkkit.service(captures), now=now))
    assert len(findings) == 1  # one finding per service scan
    return findings[0]


def load(store: ArtifactStore, name: str, **changes: Any) -> CaptureView:
    return checkkit.view(store, {**saved(name), **changes})


@pytest.mark.parametrize(("name", "outcome", "reason", "status", "https", "days_left"), [
    ("https-ok", Outcome.passed, "ok", 200, True, 90),
    ("redirect-301", Outcome.passed, "ok", 200, True, 80),
    ("http-500", Outcome.fail, "http_error", 500, True, 90),
    ("timeout", Outcome.fail, "timeout", None, None, None),
    ("connection-refused", Outcome.fail, "unreachable", None, None, None),
    ("cert-refused", Outcome.fail, "certificate_refused", None, None, None),
    ("expired-cert", Outcome.fail, "certificate_expired", 200, True, -9),
    ("http-only", Outcome.needs_review, "plain_http", 200, False, None),
    ("expiring-10-days", Outcome.needs_review, "certificate_expiring", 200, True, 10),
    ("robots-blocked", Outcome.needs_review, "capture_blocked", None, None, None),
])
def test_start_page_outcomes(store: ArtifactStore, name: str, outcome: Outcome, reason: str,
                             status: int | None, https: bool | None,
                             days_left: int | None) -> None:
    capture = load(store, name)
    finding = judge([capture])
    assert finding.outcome is outcome, finding.message
    assert finding.data["reason"] == reason
    assert finding.data["status"] == status and finding.data["https"] is https
    assert finding.data["tls_days_left"] == days_left
    assert finding.page_capture_id == capture.id
    assert finding.evidence[-1].url == capture.url


def test_redirect_chain_is_evidence(store: ArtifactStore) -> None:
    finding = judge([load(store, "redirect-301")])
    assert finding.data["redirect_chain"] == [{"url": "http://exemple.gouv.fr/", "status": 301}]
    assert finding.data["requested_url"] == "http://exemple.gouv.fr/"
    assert [(e.url, e.snippet) for e in finding.evidence] == [
        ("http://exemple.gouv.fr/", "HTTP 301"),
        ("https://www.exemple.gouv.fr/accueil", "HTTP 200"),
    ]
    assert "1 redirection" in finding.message


def test_unreachable_service_is_a_finding_with_the_error(store: ArtifactStore) -> None:
    finding = judge([load(store, "connection-refused")])
    assert "ERR_CONNECTION_REFUSED" in finding.message
    assert finding.data["capture_outcome"] == "error"
    assert finding.data["ttfb_ms"] is None and finding.data["load_ms"] is None
    assert finding.severity == "critical"


def test_days_left_count_from_the_capture_time_unless_now_is_given(
        store: ArtifactStore) -> None:
    capture = load(store, "https-ok")
    assert judge([capture], now=None).data["tls_days_left"] == 90  # captured_at
    later = judge([capture], now=NOW + timedelta(days=75))
    assert later.outcome is Outcome.needs_review and later.data["tls_days_left"] == 15
    expired = judge([capture], now=NOW + timedelta(days=91))
    assert expired.outcome is Outcome.fail and expired.data["reason"] == "certificate_expired"


def test_expiry_warning_boundary(store: ArtifactStore) -> None:
    capture = load(store, "https-ok")  # expires NOW + 90 days
    assert judge([capture], now=NOW + timedelta(days=60)).outcome is Outcome.passed  # 30 left
    edge = judge([capture], now=NOW + timedelta(days=60, seconds=1))  # 29 whole days left
    assert edge.outcome is Outcome.needs_review and edge.data["tls_days_left"] == 29


def test_not_yet_valid_certificate_fails(store: ArtifactStore) -> None:
    finding = judge([load(store, "https-ok")], now=NOW - timedelta(days=31))
    assert finding.outcome is Outcome.fail
    assert finding.data["reason"] == "certificate_not_yet_valid"


def test_desktop_start_page_first(store: ArtifactStore) -> None:
    mobile_ok = load(store, "https-ok", viewport="mobile")
    desktop_500 = load(store, "http-500")
    extra_timeout = load(store, "timeout", page_kind="extra")
    finding = judge([mobile_ok, extra_timeout, desktop_500])
    assert finding.outcome is Outcome.fail and finding.page_capture_id == desktop_500.id
    assert finding.data["viewport"] == "desktop"
    only_mobile = judge([extra_timeout, mobile_ok])
    assert only_mobile.outcome is Outcome.passed and only_mobile.data["viewport"] == "mobile"


def test_no_start_capture_needs_review(store: ArtifactStore) -> None:
    finding = judge([load(store, "https-ok", page_kind="contact")])
    assert finding.outcome is Outcome.needs_review
    assert finding.data["reason"] == "no_start_capture" and finding.data["status"] is None
    assert finding.evidence[0].url == "http://fixture.test/"  # the service's start URL


def test_https_without_certificate_details_needs_review(store: ArtifactStore) -> None:
    finding = judge([load(store, "https-ok", summary={"errors": {}, "tls": None})])
    assert finding.outcome is Outcome.needs_review and finding.data["reason"] == "tls_unknown"


def test_timings_fall_back_to_the_collector(store: ArtifactStore) -> None:
    collector = {"timing": {"ttfb_ms": 41.6, "load_ms": 300}}
    finding = judge([load(store, "https-ok", timings={}, collector=collector)])
    assert (finding.data["ttfb_ms"], finding.data["load_ms"]) == (42, 300)


def test_corrupt_tls_is_an_error_not_a_crash(store: ArtifactStore) -> None:
    bad = {"errors": {}, "tls": {"validTo": "soon"}}
    capture = load(store, "https-ok", summary=bad)
    findings = evaluate(get_check("availability"), checkkit.service([capture]))
    assert [f.outcome for f in findings] == [Outcome.error]
    assert findings[0].data["reason"] == "corrupt_tls"


def test_registration() -> None:
    spec = get_check("availability")
    assert spec.scope == "service" and spec.version == 1
    assert {"status", "final_url", "https", "tls_days_left", "ttfb_ms",
            "load_ms"} <= set(spec.data_keys)
