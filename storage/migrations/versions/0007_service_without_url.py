"""service without url

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:00:00

A service with no online procedure (a row of the observatory's table without a URL) is
registered with no start URL: it is listed and reported (« pas de démarche en ligne »), never
scanned.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.alter_column('start_url', existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    # Services without a URL cannot be kept by the older schema.
    op.execute("DELETE FROM service WHERE start_url IS NULL")
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.alter_column('start_url', existing_type=sa.Text(), nullable=False)
