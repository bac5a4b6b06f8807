"""fine-tuning jobs, their progress points and log lines

Revision ID: 0006_finetune
Revises: 0005_datasets

Three new tables; nothing existing changes. A job's checkpoints and adapter are files in the data directory,
so the downgrade drops the tables and leaves those files behind.
"""

import sqlalchemy as sa
from alembic import op

revision = '0006_finetune'
down_revision = '0005_datasets'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('finetune_jobs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('finetune_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finetune_jobs_name'), ['name'], unique=False)
    op.create_table('finetune_progress',
    sa.Column('job_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('point', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['finetune_jobs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'seq')
    )
    op.create_table('finetune_logs',
    sa.Column('job_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['finetune_jobs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'seq')
    )


def downgrade() -> None:
    op.drop_table('finetune_logs')
    op.drop_table('finetune_progress')
    with op.batch_alter_table('finetune_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finetune_jobs_name'))
    op.drop_table('finetune_jobs')
