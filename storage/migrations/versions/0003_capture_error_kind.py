"""capture error kind

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 16:10:00

Failed captures carry a typed ``error_kind`` (core.errors.ErrorKind). Rows written before it
existed get theirs from the same facts the old close-reason rule read (outcome, HTTP status,
message): this backfill is the only place where a kind is guessed from message text.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

CRASH = ("Target crashed", "Page crashed", "Browser closed", "browser has been closed",
         "Target page, context or browser has been closed")
TLS = ("ERR_CERT_", "ERR_SSL_", "ERR_BAD_SSL_CLIENT_AUTH_CERT")
UNREACHABLE = ("ERR_CONNECTION_REFUSED", "ERR_NAME_NOT_RESOLVED", "ERR_ADDRESS_UNREACHABLE",
               "ERR_CONNECTION_TIMED_OUT", "ERR_INTERNET_DISCONNECTED", "ConnectionRefusedError",
               "DNSLookupError")


def _kind(outcome: str, status: int | None, error: str) -> str | None:
    if outcome == "ok":
        return None
    if outcome == "blocked":
        return "blocked_by_robots" if "robots.txt" in error else "blocked_by_policy"
    if outcome == "timeout":
        return "service_budget" if "service time budget" in error else "timeout"
    if any(m in error for m in CRASH):
        return "browser_crashed"
    if any(m in error for m in TLS):
        return "tls_refused"
    if status is not None and status >= 400:
        return "http_error"
    if any(m in error for m in UNREACHABLE):
        return "unreachable"
    if error.startswith("not an HTML page"):
        return "not_html"
    return "vigie_error"


def upgrade() -> None:
    with op.batch_alter_table('page_capture', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_kind', sa.String(length=32), nullable=True))
    capture = sa.table('page_capture', sa.column('id', sa.Integer), sa.column('outcome', sa.String),
                       sa.column('http_status', sa.Integer), sa.column('error', sa.Text),
                       sa.column('error_kind', sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(capture.c.id, capture.c.outcome, capture.c.http_status,
                                  capture.c.error).where(capture.c.outcome != 'ok')).all()
    for row in rows:
        bind.execute(capture.update().where(capture.c.id == row.id)
                     .values(error_kind=_kind(row.outcome, row.http_status, row.error or "")))


def downgrade() -> None:
    with op.batch_alter_table('page_capture', schema=None) as batch_op:
        batch_op.drop_column('error_kind')
