"""``vigie demo``: serve the bundled services on 127.0.0.1, scan them, write the report."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

from rich.console import Console

from core.settings import Settings
from vigie import app
from vigie.app import ExitCode
from vigie.console import run_scan
from vigie.demo.catalog import SITES_DIR, render_services_yaml
from vigie.demo.sites import DemoSites
from vigie.demo.tls import make_certificate

HTTPS_SITES = ("bon-service",)  # served over HTTPS, to show what a valid certificate gives
# The demo scans twice so that the report has a history and changes to show: a first pass
# with these misbehaviours lifted (« en-panne » still worked last week), then tonight's.
LIFTED_ON_FIRST_PASS: dict[str, tuple[str, ...]] = {"en-panne": ("/", "/contact.html")}


def demo_settings(out: Path, trusted_spki: tuple[str, ...] = ()) -> Settings:
    # The demo keeps its own SQLite database inside `out`, allows loopback addresses (its
    # sites live there) and uses short budgets so its slow site does not hold it for minutes.
    return Settings.from_env().with_overrides(
        data_dir=out, database_url="", allow_private=True, download_delay=0.0,
        navigation_timeout=8.0, call_timeout=10.0, page_budget=25.0, service_budget=180.0,
        trusted_spki=trusted_spki, retry_delay=2.0,
    )


Lifted = list[tuple[str, str, dict[str, Any]]]


def lift_behaviours(sites: DemoSites, paths: dict[str, tuple[str, ...]]) -> Lifted:
    lifted = []
    for name, site_paths in paths.items():
        for path in site_paths:
            behaviour = sites[name].behaviour_for(path)
            if behaviour is not None:
                lifted.append((name, path, behaviour))
                sites[name].set_behaviour(path, None)
    return lifted


def restore_behaviours(sites: DemoSites, lifted: Lifted) -> None:
    for name, path, behaviour in lifted:
        sites[name].set_behaviour(path, behaviour)


def scan_pass(settings: Settings, services_file: Path) -> None:
    raise SystemExit(run_scan(settings, services_file, None, trigger="demo"))


def run_demo(out: Path, console: Console) -> int:
    out.mkdir(parents=True, exist_ok=True)
    cert = make_certificate(out / "tls")
    https = {name: cert.server_context() for name in HTTPS_SITES}
    with DemoSites(SITES_DIR, https=https) as sites:
        services_file = out / "services.yaml"
        services_file.write_text(render_services_yaml(sites.base_urls), encoding="utf-8")
        console.print(f"demo sites served on 127.0.0.1 ({len(sites.base_urls)} services); "
                      f"service list: {services_file}")
        settings = demo_settings(out, (cert.spki_sha256,))
        lifted = lift_behaviours(sites, LIFTED_ON_FIRST_PASS)
        console.print("pass 1/2: the services as they were last week (en-panne still worked)")
        # A crawl owns its process (Twisted's reactor starts once): the first pass runs in a
        # child process, the second in this one.
        first = multiprocessing.get_context("spawn").Process(
            target=scan_pass, args=(settings, services_file), name="vigie-demo-pass-1")
        first.start()
        first.join()
        restore_behaviours(sites, lifted)
        # A service that failed on Vigie's side does not stop the demo; anything else does.
        if first.exitcode not in (ExitCode.ok, ExitCode.operational_failure):
            console.print(f"the first pass failed (exit code {first.exitcode})")
            return first.exitcode or ExitCode.operational_failure
        console.print("pass 2/2: the services tonight")
        code = run_scan(settings, services_file, None, trigger="demo")
    with app.open_storage(settings) as storage:
        report = app.report(storage, "latest", out / "report")
    console.print(f"database: {settings.resolved_database_url}")
    console.print(f"report: {report.resolve()}")
    return code
