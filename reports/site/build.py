"""``write_site``: the static report site of one run (``vigie report --out DIR``).

Pages are written one at a time: the overview rows are loaded once (a row per service),
then each service is loaded, written and dropped before the next one; the auditor view keeps
only its small per-service summary.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape

from checks.axe import CHECK_ID as AXE_CHECK
from checks.registry import all_checks
from indicators.registry import COMMON_LEVELS, IndicatorSpec, all_indicators
from reports.compare import VERDICT_FR
from reports.health import Alert
from reports.health import alerts as collection_alerts
from reports.objectives import NO_ONLINE_SERVICE, STATUS_FR, STATUSES
from reports.site import labels
from reports.site.assets import copy_screenshot, copy_static
from reports.site.auditor import AuditorRow, auditor_row, group_by_rgaa
from reports.site.changes import Changes, compare, level_changes, origin_of
from reports.site.chart import build_chart
from reports.site.compare import (
    VERDICT_BADGE,
    CompareRow,
    by_ministry,
    by_subject,
    disagreements,
    service_comparisons,
)
from reports.site.folder import ReportFolder
from reports.site.history import HistoryPoint, load_history
from reports.site.load import (
    RunView,
    ServiceRow,
    load_captures,
    load_findings,
    load_not_online,
    load_previous_findings,
    load_services,
    previous_levels,
    previous_scans,
    start_url,
)
from reports.site.objectives import MAX_QUARTERS, ObjectiveView, load_objectives
from storage.context import Storage
from storage.reporting import run_by_id

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import ServiceScan

# The same policy is sent as an HTTP header by `vigie serve` (reports/site/serve.py).
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "script-src 'none'; base-uri 'none'; form-action 'none'")
SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")


def environment() -> Environment:
    env = Environment(loader=PackageLoader("reports", "templates/site"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    ids = itertools.count(1)
    env.globals.update(CSP=CSP, labels=labels, uid=lambda: f"tableau-{next(ids)}",
                       axe_check=AXE_CHECK)
    return env


@dataclass(frozen=True)
class Group:
    """A filter page: the services of one ministry or administration."""

    kind: str  # ministere, administration
    name: str
    slug: str
    services: list[ServiceRow]

    @property
    def page(self) -> str:
        return f"filtres/{self.kind}-{self.slug}.html"


def level_counts(specs: list[IndicatorSpec], services: Iterable[ServiceRow]
                 ) -> list[dict[str, Any]]:
    """For each indicator, how many services have each level (catalogue order of levels)."""
    rows = list(services)
    out = []
    for spec in specs:
        counted = Counter(r.indicators[spec.slug].level for r in rows if spec.slug in r.indicators)
        levels = []
        for level in (*spec.levels, *COMMON_LEVELS):
            levels.append({"label": level.label, "count": counted.pop(level.code, 0),
                           "badge": labels.BADGE_CLASS.get(level.color, "fr-badge--no-icon")})
        levels += [{"label": code, "count": n, "badge": "fr-badge--no-icon"}
                   for code, n in sorted(counted.items())]
        missing = sum(1 for r in rows if spec.slug not in r.indicators)
        out.append({"spec": spec, "levels": levels, "missing": missing})
    return out


def groups_of(services: list[ServiceRow], kind: str) -> list[Group]:
    by_name: dict[str, list[ServiceRow]] = defaultdict(list)
    for s in services:
        name = (s.ministry if kind == "ministere" else s.administration) or labels.NOT_SET
        by_name[name].append(s)
    slugs = labels.group_slugs(sorted(by_name, key=labels.group_order))
    return [Group(kind, name, slug, by_name[name]) for name, slug in slugs.items()]


class SiteWriter:
    def __init__(self, storage: Storage, folder: ReportFolder) -> None:
        self.storage = storage
        self.folder = folder
        self.env = environment()
        self.specs = all_indicators()
        self.check_titles = {c.id: c.title for c in all_checks()}
        self.titles = {s.slug: s.title for s in self.specs}
        self.alerts: list[Alert] = []  # about the collection itself, shown on every page
        self.compared: list[CompareRow] = []  # published vs measured, every service
        self.artifacts = storage.artifacts

    def render(self, template: str, path: str, **context: Any) -> Path:
        depth = path.count("/")
        html = self.env.get_template(template).render(
            root="../" * depth, specs=self.specs, collection_alerts=self.alerts, **context)
        return self.folder.write_text(path, html)

    def write(self, run_id: int) -> Path:
        copy_static(self.folder)
        with self.storage.sessions() as session:
            self.alerts = collection_alerts(session, now=datetime.now(UTC),
                                            alert_after=self.storage.settings.alert_after)
            run = run_by_id(session, run_id)
            run_view = RunView.of(run)
            # Screenshots are read where the run wrote them, whatever --data-dir says.
            self.artifacts = self.storage.artifacts_at(run.artifacts_root)
            services = load_services(session, run, self.specs)
            for s in services:
                if not SAFE_NAME.fullmatch(s.slug):  # registry ids are safe; older rows?
                    s.slug = labels.slugify(s.slug)
            history = load_history(session, run.id)
            not_online = load_not_online(session)
            previous = previous_scans(session, run)
            before_levels = previous_levels(session, [sc.id for sc in previous.values()])
            objectives = load_objectives(session, run, services, self.titles)
            auditor_rows = [self.write_service(session, run_view, s, history.get(s.service_id,
                                               []), previous.get(s.service_id), before_levels)
                            for s in services]
        ministries = groups_of(services, "ministere")
        administrations = groups_of(services, "administration")
        common = {"run": run_view}
        for group in (*ministries, *administrations):
            self.render("filter.html.j2", group.page, kind="filter", group=group,
                        services=group.services, counts=level_counts(self.specs,
                                                                      group.services), **common)
        self.write_objectives(objectives, common)
        self.render("auditor.html.j2", "auditeur.html", kind="auditor", rows=auditor_rows,
                    **common)
        self.render("compare.html.j2", "publie-mesure.html", kind="compare",
                    by_subject=by_subject(self.compared), by_ministry=by_ministry(self.compared),
                    disagreements=disagreements(self.compared), verdict_badge=VERDICT_BADGE,
                    verdict_fr=VERDICT_FR, compared=len(self.compared), **common)
        self.render("about.html.j2", "a-propos.html", kind="about",
                    common_levels=COMMON_LEVELS, **common)
        return self.render("overview.html.j2", "index.html", kind="overview",
                           services=services, counts=level_counts(self.specs, services),
                           ministries=ministries, administrations=administrations,
                           not_online=not_online, **common)

    def write_objectives(self, views: list[ObjectiveView], common: dict[str, Any]) -> None:
        shared = {**common, "no_online": NO_ONLINE_SERVICE}
        for v in views:
            self.render("objective.html.j2", v.page, kind="objective", v=v, **shared)
        self.render("objectives.html.j2", "objectifs.html", kind="objectives", views=views,
                    statuses=[(s, STATUS_FR[s]) for s in STATUSES], max_quarters=MAX_QUARTERS,
                    **shared)

    def write_service(self, session: Session, run: RunView, service: ServiceRow,
                      history: list[HistoryPoint], previous: ServiceScan | None,
                      before_levels: dict[int, dict[str, str]]) -> AuditorRow:
        captures = load_captures(session, service.scan_id)
        by_id = {c.id: c for c in captures}
        findings = load_findings(session, service.scan_id, by_id)
        screenshots = {c.id: copy_screenshot(self.artifacts, c.screenshot_sha256,
                                             self.folder) for c in captures}
        rgaa = group_by_rgaa(findings)
        changes = Changes(previous.run_id if previous else None)
        if previous is not None:
            changes.previous_started = labels.when(previous.run.started_at)
            # Captures are sorted start page first: its requested URL gives this scan's origin.
            starts = [c.requested_url for c in captures if c.kind == "start"]
            now_origin = origin_of(starts[0] if starts else service.start_url)
            then_origin = origin_of(start_url(session, previous.id) or service.start_url)
            changes.new, changes.fixed, changes.changed = compare(
                findings, now_origin, load_previous_findings(session, previous.id), then_origin)
            changes.levels = level_changes(
                self.titles, before_levels.get(previous.id, {}),
                {slug: cell.label for slug, cell in service.indicators.items()})
        by_check: dict[str, list[Any]] = defaultdict(list)
        for f in findings:
            by_check[f.check_id].append(f)
        checks = [(cid, self.check_titles.get(cid, cid), by_check[cid])
                  for cid in sorted(by_check, key=lambda c: (c not in self.check_titles, c))]
        start_shots = [c for c in captures if c.kind == "start" and screenshots.get(c.id)]
        compared = service_comparisons(service, findings)
        self.compared += compared
        self.render("service.html.j2", service.page, kind="service", run=run, service=service,
                    captures=captures, screenshots=screenshots, start_shots=start_shots,
                    checks=checks, rgaa=rgaa, changes=changes, history=history,
                    chart=build_chart(history) if history else None,
                    finding_count=len(findings), compared=compared)
        return auditor_row(service, findings, rgaa)


def write_site(storage: Storage, run_id: int, out_dir: Path) -> Path:
    """Write the report site of a run into ``out_dir``; returns the path of ``index.html``.

    ``out_dir`` must be new, empty or a report Vigie wrote (`ReportFolder.claim`, else
    `ForeignFolder`, before anything is written); files of the previous build that this one
    does not write are removed, and no other file."""
    folder = ReportFolder.claim(out_dir)
    index = SiteWriter(storage, folder).write(run_id)
    folder.finish()
    return index
