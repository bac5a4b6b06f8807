"""console runs of the draft are debug runs

Revision ID: 0010_run_debug_source
Revises: 0009_conversation_variables

The console's logs tell a run's source apart: ``api`` (an app key), ``console`` (a published version run from the
console) and ``debug`` (the draft, from the editor's run or chat preview). Runs recorded before were ``console``
for both; those of the draft (no version) become ``debug``. No column changes; the downgrade labels them
``console`` again.
"""

from alembic import op

revision = '0010_run_debug_source'
down_revision = '0009_conversation_variables'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE runs SET source = 'debug' WHERE source = 'console' AND version IS NULL")


def downgrade() -> None:
    op.execute("UPDATE runs SET source = 'console' WHERE source = 'debug'")
