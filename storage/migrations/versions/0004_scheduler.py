"""scheduler

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00

The scheduler (issue 9): a run remembers the schedule and due time it was fired for, unique
together so that two schedulers can never start two runs for one due time; a service may have
its own schedule; the lease (one active scheduler, and its heartbeat) and the scheduler's
event log.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scan_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_scan_run_schedule'),
                                          ['schedule', 'scheduled_for'])
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule', sa.String(length=80), nullable=True))
    op.create_table('scheduler_lease',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_fire_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_lease'))
    )
    op.create_table('scheduler_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('schedule', sa.String(length=80), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['scan_run.id'], name=op.f('fk_scheduler_event_run_id_scan_run'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_event'))
    )
    op.create_index('ix_scheduler_event_schedule_due', 'scheduler_event',
                    ['schedule', 'scheduled_for'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_scheduler_event_schedule_due', table_name='scheduler_event')
    op.drop_table('scheduler_event')
    op.drop_table('scheduler_lease')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('schedule')
    with op.batch_alter_table('scan_run', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_scan_run_schedule'), type_='unique')
        batch_op.drop_column('scheduled_for')
        batch_op.drop_column('schedule')
