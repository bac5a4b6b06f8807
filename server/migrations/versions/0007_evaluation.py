"""evaluation sets and items, runs, per-sample results, blind reviews and workflows' publish gates

Revision ID: 0007_evaluation
Revises: 0006_finetune

Six new tables; nothing existing changes. The downgrade drops them.
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_evaluation'
down_revision = '0006_finetune'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('eval_sets',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('eval_items',
    sa.Column('set_id', sa.String(length=128), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=128), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['set_id'], ['eval_sets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('set_id', 'seq'),
    sa.UniqueConstraint('set_id', 'item_id', name='uq_eval_items_set_item')
    )
    op.create_table('eval_runs',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('set_id', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('eval_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eval_runs_set_id'), ['set_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_eval_runs_status'), ['status'], unique=False)
    op.create_table('eval_results',
    sa.Column('run_id', sa.String(length=128), nullable=False),
    sa.Column('candidate_id', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=128), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['eval_runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'candidate_id', 'item_id')
    )
    op.create_table('eval_reviews',
    sa.Column('run_id', sa.String(length=128), nullable=False),
    sa.Column('item_id', sa.String(length=128), nullable=False),
    sa.Column('candidate_id', sa.String(length=64), nullable=False),
    sa.Column('reviewer', sa.String(length=128), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['eval_runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'item_id', 'candidate_id', 'reviewer')
    )
    op.create_table('eval_gates',
    sa.Column('workflow_id', sa.String(length=32), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workflow_id')
    )


def downgrade() -> None:
    op.drop_table('eval_gates')
    op.drop_table('eval_reviews')
    op.drop_table('eval_results')
    with op.batch_alter_table('eval_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eval_runs_status'))
        batch_op.drop_index(batch_op.f('ix_eval_runs_set_id'))
    op.drop_table('eval_runs')
    op.drop_table('eval_items')
    op.drop_table('eval_sets')
