"""conversation variables' values per conversation

Revision ID: 0009_conversation_variables
Revises: 0007_evaluation

One new table, keyed by conversation and variable name, deleted with its conversation. Nothing existing changes;
the downgrade drops the table (the stored values are lost, the conversations kept).
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_conversation_variables'
down_revision = '0007_evaluation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_conversation_variables',
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['app_conversations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'name')
    )


def downgrade() -> None:
    op.drop_table('app_conversation_variables')
