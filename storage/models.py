"""SQLAlchemy 2 models. Change them only together with an Alembic migration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.safe_text import SafeJSON, SafeString, SafeText

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: SafeJSON, list[Any]: SafeJSON, datetime: DateTime(timezone=True)
    }


class Service(Base):
    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(SafeString(120), unique=True)
    name: Mapped[str] = mapped_column(SafeText)
    start_url: Mapped[str | None] = mapped_column(SafeText)  # None: not online, never scanned
    extra_urls: Mapped[list[Any]] = mapped_column(default=list)
    ministry: Mapped[str | None] = mapped_column(SafeText)
    administration: Mapped[str | None] = mapped_column(SafeText)
    jdma_id: Mapped[str | None] = mapped_column(SafeString(64))
    declared: Mapped[dict[str, Any]] = mapped_column(default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Its own schedule (core.schedules text); None: scanned by the main run.
    schedule: Mapped[str | None] = mapped_column(SafeString(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ScanRun(Base):
    __tablename__ = "scan_run"
    # One run per due time of a schedule, whichever scheduler fires it (NULLs: manual runs).
    __table_args__ = (UniqueConstraint("schedule", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(SafeString(20), default="running")
    trigger: Mapped[str] = mapped_column(SafeString(20), default="manual")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tool_versions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    schedule: Mapped[str | None] = mapped_column(SafeString(80))  # its schedule's name, if fired
    scheduled_for: Mapped[datetime | None]  # the due time it was fired for
    # The folder its artifacts were written to, absolute (NULL: a run older than this column,
    # whose artifacts are in the current data folder's). Rechecks and reports read it, not
    # the data folder of the command that reads the run.
    artifacts_root: Mapped[str | None] = mapped_column(SafeText)

    service_scans: Mapped[list[ServiceScan]] = relationship(back_populates="run")


class ServiceScan(Base):
    __tablename__ = "service_scan"
    __table_args__ = (UniqueConstraint("run_id", "service_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scan_run.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(SafeString(20), default="pending")
    close_reason: Mapped[str | None] = mapped_column(SafeString(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    counters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(SafeText)
    # The worker scanning it (Celery backend), until lease_expires_at unless renewed.
    lease_holder: Mapped[str | None] = mapped_column(SafeString(200))
    lease_expires_at: Mapped[datetime | None]

    run: Mapped[ScanRun] = relationship(back_populates="service_scans")
    service: Mapped[Service] = relationship()
    captures: Mapped[list[PageCapture]] = relationship(
        back_populates="service_scan", order_by="PageCapture.id"
    )
    findings: Mapped[list[Finding]] = relationship(
        back_populates="service_scan", order_by="Finding.id"
    )
    indicators: Mapped[list[IndicatorValue]] = relationship(
        back_populates="service_scan", order_by="IndicatorValue.id"
    )


class PageCapture(Base):
    __tablename__ = "page_capture"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_scan_id: Mapped[int] = mapped_column(
        ForeignKey("service_scan.id", ondelete="CASCADE"), index=True
    )
    viewport: Mapped[str] = mapped_column(SafeString(20))
    page_kind: Mapped[str] = mapped_column(SafeString(30))
    requested_url: Mapped[str] = mapped_column(SafeText)
    final_url: Mapped[str | None] = mapped_column(SafeText)
    redirect_chain: Mapped[list[Any]] = mapped_column(default=list)
    http_status: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(SafeString(20))
    error: Mapped[str | None] = mapped_column(SafeText)
    error_kind: Mapped[str | None] = mapped_column(SafeString(32))  # core.errors.ErrorKind
    title: Mapped[str | None] = mapped_column(SafeText)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    load_seconds: Mapped[float | None] = mapped_column(Float)
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    html_sha256: Mapped[str | None] = mapped_column(SafeString(64))
    screenshot_sha256: Mapped[str | None] = mapped_column(SafeString(64))
    axe_sha256: Mapped[str | None] = mapped_column(SafeString(64))
    collector_sha256: Mapped[str | None] = mapped_column(SafeString(64))
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tool_versions: Mapped[dict[str, Any]] = mapped_column(default=dict)

    service_scan: Mapped[ServiceScan] = relationship(back_populates="captures")


class Finding(Base):
    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_scan_id: Mapped[int] = mapped_column(
        ForeignKey("service_scan.id", ondelete="CASCADE"), index=True
    )
    page_capture_id: Mapped[int | None] = mapped_column(
        ForeignKey("page_capture.id", ondelete="CASCADE"), index=True
    )
    check_id: Mapped[str] = mapped_column(SafeString(80))
    check_version: Mapped[int]
    outcome: Mapped[str] = mapped_column(SafeString(20))
    severity: Mapped[str | None] = mapped_column(SafeString(20))
    message: Mapped[str] = mapped_column(SafeText)
    references: Mapped[list[Any]] = mapped_column(default=list)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    service_scan: Mapped[ServiceScan] = relationship(back_populates="findings")
    page_capture: Mapped[PageCapture | None] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="finding", order_by="Evidence.id", cascade="all, delete-orphan"
    )


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("finding.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(SafeString(20))
    url: Mapped[str | None] = mapped_column(SafeText)
    selector: Mapped[str | None] = mapped_column(SafeText)
    snippet: Mapped[str | None] = mapped_column(SafeText)
    artifact_sha256: Mapped[str | None] = mapped_column(SafeString(64))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    finding: Mapped[Finding] = relationship(back_populates="evidence")


class IndicatorValue(Base):
    """One indicator of one service scan: its level, a French rationale, the findings behind it."""

    __tablename__ = "indicator_value"
    __table_args__ = (UniqueConstraint("service_scan_id", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_scan_id: Mapped[int] = mapped_column(
        ForeignKey("service_scan.id", ondelete="CASCADE"), index=True
    )
    indicator: Mapped[str] = mapped_column(SafeString(40))  # slug, e.g. "handicap"
    level: Mapped[str] = mapped_column(SafeString(40))  # level code, e.g. "partiel"
    label: Mapped[str] = mapped_column(SafeText)  # French label (the observatory's when official)
    official: Mapped[bool] = mapped_column(Boolean)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)  # facts the level rests on
    rationale: Mapped[str] = mapped_column(SafeText)  # one line, French
    finding_ids: Mapped[list[Any]] = mapped_column(default=list)
    rule_version: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    service_scan: Mapped[ServiceScan] = relationship(back_populates="indicators")


class SchedulerLease(Base):
    """The right to fire schedules, held by one scheduler at a time; also its heartbeat."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(SafeString(40), primary_key=True)
    holder: Mapped[str] = mapped_column(SafeString(200))  # host:pid:random, one per process
    host: Mapped[str] = mapped_column(SafeString(255))
    pid: Mapped[int]
    acquired_at: Mapped[datetime]
    beat_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # free for another scheduler after this
    next_fire_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)  # +1 on every write


class SchedulerEvent(Base):
    """What a scheduler did or did not do, and why (core.schedules.EventKind)."""

    __tablename__ = "scheduler_event"
    __table_args__ = (Index("ix_scheduler_event_schedule_due", "schedule", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    schedule: Mapped[str | None] = mapped_column(SafeString(80))
    kind: Mapped[str] = mapped_column(SafeString(20))
    scheduled_for: Mapped[datetime | None]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("scan_run.id", ondelete="SET NULL"))
    detail: Mapped[str] = mapped_column(SafeText, default="")
    holder: Mapped[str | None] = mapped_column(SafeString(200))
