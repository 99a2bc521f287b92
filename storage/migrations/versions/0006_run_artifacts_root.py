"""run artifacts root

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 19:30:00

A run records the folder its artifacts were written to, so ``vigie recheck`` and ``vigie
report`` find them whatever data folder the reading command was given. Older runs keep NULL:
their artifacts are looked for in the current data folder, as before.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scan_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('artifacts_root', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('scan_run', schema=None) as batch_op:
        batch_op.drop_column('artifacts_root')
