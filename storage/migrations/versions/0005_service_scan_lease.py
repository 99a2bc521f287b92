"""service scan lease

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:45:00

A worker that scans a service holds a lease on its service scan (holder, expiry), renewed
while it works: a redelivered task finds the scan done, or held by a live worker, and does
not start it twice (docs/operations.md, « Workers »).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service_scan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_holder', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('lease_expires_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('service_scan', schema=None) as batch_op:
        batch_op.drop_column('lease_expires_at')
        batch_op.drop_column('lease_holder')
