"""``vigie demo``: serve the bundled services on 127.0.0.1, scan them, write the report."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from vigie.demo.catalog import SITES_DIR, render_services_yaml
from vigie.demo.server import DemoSites
from vigie.settings import Settings


def demo_settings(out: Path) -> Settings:
    # The demo keeps its own SQLite database inside `out`, allows loopback addresses (its
    # sites live there) and uses short budgets so its slow site does not hold it for minutes.
    return Settings.from_env().with_overrides(
        data_dir=out, database_url="", allow_private=True, download_delay=0.0,
        navigation_timeout=8.0, call_timeout=10.0, page_budget=25.0, service_budget=120.0,
    )


def run_demo(out: Path, console: Console) -> int:
    from reports.minimal import write_report
    from storage.repository import resolve_run
    from vigie.cli import run_scan
    from vigie.context import Storage

    out.mkdir(parents=True, exist_ok=True)
    with DemoSites(SITES_DIR) as sites:
        services_file = out / "services.yaml"
        services_file.write_text(render_services_yaml(sites.base_urls), encoding="utf-8")
        console.print(f"demo sites served on 127.0.0.1 ({len(sites.base_urls)} services); "
                      f"service list: {services_file}")
        settings = demo_settings(out)
        code = run_scan(settings, services_file, None, trigger="demo")
    storage = Storage.open(settings)
    try:
        with storage.sessions() as session:
            run = resolve_run(session, "latest")
        assert run is not None
        report = write_report(storage, run, out / "report")
    finally:
        storage.close()
    console.print(f"database: {settings.resolved_database_url}")
    console.print(f"report: {report.resolve()}")
    return code
