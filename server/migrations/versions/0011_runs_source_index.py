"""an index for an app's runs by source

Revision ID: 0011_runs_source_index
Revises: 0010_run_debug_source

The logs list an app's runs of one source newest first and count them; without this index each such page reads
every run of the app. The downgrade drops the index.
"""

from alembic import op

revision = '0011_runs_source_index'
down_revision = '0010_run_debug_source'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_runs_workflow_source_created', 'runs', ['workflow_id', 'source', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_runs_workflow_source_created', table_name='runs')
