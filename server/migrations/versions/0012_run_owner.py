"""which process drives a run

Revision ID: 0012_run_owner
Revises: 0011_runs_source_index

With several API processes and workers on one database, a run records the process that drives it (``owner``,
whose heartbeat lease is in Redis), so that a process that starts ends only the runs whose owner is gone, not the
runs the others are driving. A run queued for a worker has no owner until one claims it. The downgrade drops the
column.
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_run_owner'
down_revision = '0011_runs_source_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('runs') as batch:
        batch.add_column(sa.Column('owner', sa.String(80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('runs') as batch:
        batch.drop_column('owner')
