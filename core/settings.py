"""Every knob and budget of a scan, named in one place.

Values come from defaults, then ``VIGIE_*`` environment variables, then CLI flags
(``Settings.with_overrides``). Budgets are in seconds.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from core.version import __version__

CONTACT_URL = "https://github.com/vigie-observatoire/vigie"


@dataclass(frozen=True)
class Viewport:
    name: str
    width: int
    height: int
    is_mobile: bool = False
    has_touch: bool = False
    device_scale_factor: float = 1.0
    user_agent_suffix: str = ""

    def context_kwargs(self, user_agent: str) -> dict[str, Any]:
        return {
            "viewport": {"width": self.width, "height": self.height},
            "is_mobile": self.is_mobile,
            "has_touch": self.has_touch,
            "device_scale_factor": self.device_scale_factor,
            "user_agent": f"{user_agent}{self.user_agent_suffix}",
            "locale": "fr-FR",
            "timezone_id": "Europe/Paris",
            "ignore_https_errors": False,
        }


DESKTOP = Viewport("desktop", 1280, 800)
# Chromium's mobile heuristics key on "Mobile" in the UA; we keep Vigie's name in it too.
MOBILE = Viewport(
    "mobile", 375, 812, is_mobile=True, has_touch=True, device_scale_factor=2.0,
    user_agent_suffix=" Mobile",
)


def _env(name: str, default: Any, kind: type) -> Any:
    raw = os.environ.get(f"VIGIE_{name}")
    if raw is None or raw == "":
        return default
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    try:
        return kind(raw)
    except ValueError as exc:
        raise ValueError(
            f"environment variable VIGIE_{name}={raw!r}: expected {kind.__name__}"
        ) from exc


@dataclass(frozen=True)
class Settings:
    # Where things are kept.
    data_dir: Path = Path("vigie-data")
    database_url: str = ""  # empty: SQLite file inside data_dir
    # Browser: empty means "find one" (crawler.browser.find_browser).
    browser_path: str = ""
    # Chromium's sandbox confines a renderer that a hostile page took over. Chromium cannot start
    # it as root, so Vigie adds --no-sandbox when it runs as root (docs/operations.md: run it as
    # a user of its own); False: always --no-sandbox (containers without user namespaces).
    browser_sandbox: bool = True
    browser_args: tuple[str, ...] = (
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
    )
    # Budgets (seconds).
    navigation_timeout: float = 20.0  # page.goto until the load event
    call_timeout: float = 20.0  # any single call into a page (axe, collector, screenshot)
    page_budget: float = 60.0  # everything for one capture
    # Before the collection, content that renders after load is awaited: no request in flight
    # and no DOM change for settle_quiet_ms, at most settle_max_ms (0: collected at load).
    settle_max_ms: int = 3000
    settle_quiet_ms: int = 500
    service_budget: float = 300.0  # all captures of one service
    # A page's JavaScript heap past this (MB) closes its tab; 0: no limit (docs/captures.md).
    renderer_memory_mb: int = 1024
    # Scope and politeness.
    max_pages: int = 8  # distinct URLs per service (each captured in every viewport)
    concurrency: int = 2  # captures in flight over the whole scan
    per_host: int = 2
    download_delay: float = 0.5
    obey_robots: bool = True
    allow_private: bool = False  # every private, loopback and link-local address allowed
    # Else only these non-public addresses or networks (comma list, e.g. "127.0.0.1,10.1.0.0/16").
    allowed_private: str = ""
    # The egress proxy every browser request goes through (docs/security.md). Off only to
    # measure its cost (bench/): without it nothing stops a page's requests to refused addresses.
    egress_proxy: bool = True
    user_agent: str = f"Vigie/{__version__} (+{CONTACT_URL})"
    viewports: tuple[Viewport, ...] = field(default=(DESKTOP, MOBILE))
    # Base64 SHA-256 of public keys Chromium trusts beyond its store (the demo's HTTPS site).
    trusted_spki: tuple[str, ...] = ()
    max_html_bytes: int = 5_000_000  # larger final HTML is truncated in the artifact
    screenshot_full_page: bool = False
    # Retries within a run (docs/operations.md): a service scan that closed because of Vigie
    # (error, browser_crashed) is redone at the end of the run; one that closed because of the
    # site (unreachable, timeout) is redone after a delay: a flaky night is not an outage.
    retry_vigie_failures: int = 1
    retry_site_failures: int = 1
    retry_delay: float = 600.0
    # The scheduler (`vigie schedule`, docs/operations.md). Durations in seconds.
    schedule: str = "0 1 * * *"  # the main run: cron text (core.schedules), daily or weekly
    timezone: str = "Europe/Paris"  # of every schedule
    misfire_grace: float = 6 * 3600.0  # a due time missed by less than this still runs, once
    report_dir: str = ""  # empty: <data_dir>/report; rewritten after each scheduled run
    heartbeat_interval: float = 30.0  # the active scheduler renews its lease this often
    lease_ttl: float = 120.0  # a lease not renewed for this long is free for a standby
    executor_command: str = ""  # empty: `<python> -m vigie scan --resume {run}`
    stop_timeout: float = 30.0  # SIGTERM to the executor's process group, then SIGKILL
    alert_after: float = 26 * 3600.0  # `vigie status` alerts when no run finished for this long
    # Workers on Celery + Redis (docs/operations.md, « Workers »); empty: scans run locally.
    broker_url: str = ""
    task_lease_ttl: float = 60.0  # a worker holds a service scan this long, renewed meanwhile
    visibility_timeout: float = 0.0  # Redis redelivers an unacked task after it; 0: budget + 600
    requeue_after: float = 600.0  # tasks re-sent when a run made no progress for this long

    def __post_init__(self) -> None:
        for name in ("settle_max_ms", "settle_quiet_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} (VIGIE_{name.upper()}): {getattr(self, name)} is "
                                 "negative (expected milliseconds, 0 or more)")
        for item in filter(None, (i.strip() for i in self.allowed_private.split(","))):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"allowed_private (VIGIE_ALLOWED_PRIVATE, --allowed-private): {item!r} is "
                    "not an IP address or network (expected e.g. 127.0.0.1 or 10.1.0.0/16)"
                ) from None

    @classmethod
    def from_env(cls) -> Settings:
        """Defaults, overridden by the ``VIGIE_*`` variables of ``ENVIRONMENT``."""
        d = cls()
        values: dict[str, Any] = {}
        for name, variable in ENVIRONMENT.items():
            default = getattr(d, name)
            kind = str if isinstance(default, Path) else type(default)
            raw = _env(variable, str(default) if kind is str else default, kind)
            values[name] = Path(raw) if isinstance(default, Path) else raw
        return cls(**values)

    def with_overrides(self, **changes: Any) -> Settings:
        """Return a copy with the given fields replaced; ``None`` values are ignored."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vigie.sqlite3').resolve()}"

    @property
    def task_visibility_timeout(self) -> float:
        """Longer than a service scan may take, so a slow task is never redelivered."""
        return self.visibility_timeout or self.service_budget + 600.0

    @property
    def task_time_limit(self) -> float:
        """A task's crawl is killed (as a process group) past this: just above the budget."""
        return self.service_budget + 120.0

    @property
    def artifacts_dir(self) -> Path:
        return self.data_dir / "artifacts"

    @property
    def resolved_report_dir(self) -> Path:
        return Path(self.report_dir) if self.report_dir else self.data_dir / "report"

    def public_dict(self) -> dict[str, Any]:
        """The settings as stored with a run (no secrets in a database URL)."""
        out = dataclasses.asdict(self)
        out["data_dir"] = str(self.data_dir)
        out["database_url"] = _redact(self.resolved_database_url)
        out["viewports"] = [dataclasses.asdict(v) for v in self.viewports]
        out["browser_args"] = list(self.browser_args)
        out["trusted_spki"] = list(self.trusted_spki)
        return out


# Settings read from the environment: field -> variable name, without the VIGIE_ prefix.
# Every field of Settings is documented in the README's configuration table (a test checks).
ENVIRONMENT = {
    "data_dir": "DATA_DIR",
    "database_url": "DATABASE_URL",
    "browser_path": "BROWSER_PATH",
    "browser_sandbox": "BROWSER_SANDBOX",
    "navigation_timeout": "NAVIGATION_TIMEOUT",
    "call_timeout": "CALL_TIMEOUT",
    "page_budget": "PAGE_BUDGET",
    "settle_max_ms": "SETTLE_MAX_MS",
    "settle_quiet_ms": "SETTLE_QUIET_MS",
    "service_budget": "SERVICE_BUDGET",
    "renderer_memory_mb": "RENDERER_MEMORY_MB",
    "max_pages": "MAX_PAGES",
    "concurrency": "CONCURRENCY",
    "per_host": "PER_HOST",
    "download_delay": "DOWNLOAD_DELAY",
    "obey_robots": "OBEY_ROBOTS",
    "allow_private": "ALLOW_PRIVATE",
    "allowed_private": "ALLOWED_PRIVATE",
    "egress_proxy": "EGRESS_PROXY",
    "user_agent": "USER_AGENT",
    "max_html_bytes": "MAX_HTML_BYTES",
    "screenshot_full_page": "SCREENSHOT_FULL_PAGE",
    "retry_vigie_failures": "RETRY_VIGIE_FAILURES",
    "retry_site_failures": "RETRY_SITE_FAILURES",
    "retry_delay": "RETRY_DELAY",
    "schedule": "SCHEDULE",
    "timezone": "TIMEZONE",
    "misfire_grace": "MISFIRE_GRACE",
    "report_dir": "REPORT_DIR",
    "heartbeat_interval": "HEARTBEAT_INTERVAL",
    "lease_ttl": "LEASE_TTL",
    "executor_command": "EXECUTOR_COMMAND",
    "stop_timeout": "STOP_TIMEOUT",
    "alert_after": "ALERT_AFTER",
    "broker_url": "BROKER_URL",
    "task_lease_ttl": "TASK_LEASE_TTL",
    "visibility_timeout": "VISIBILITY_TIMEOUT",
    "requeue_after": "REQUEUE_AFTER",
}


def _redact(url: str) -> str:
    """The database URL with its password masked, as SQLAlchemy renders it (``user:***@``)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user, _, host = parts.netloc.rpartition("@")
        return urlunsplit(parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}"))
    except ValueError:
        return "<unparseable>"
