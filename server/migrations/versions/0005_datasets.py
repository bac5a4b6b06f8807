"""fine-tuning datasets and their versions (raw, processed, published)

Revision ID: 0005_datasets
Revises: 0004_apps

Two new tables; nothing existing changes. A version's rows are files in the data directory, so the
downgrade drops the tables and leaves those files behind.
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_datasets'
down_revision = '0004_apps'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('datasets',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('dataset_versions',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('dataset_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('parent', sa.Integer(), nullable=True),
    sa.Column('format', sa.String(length=32), nullable=True),
    sa.Column('source', sa.String(length=255), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('train_rows', sa.Integer(), nullable=True),
    sa.Column('validation_rows', sa.Integer(), nullable=True),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('operations', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('published_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dataset_id', 'number', name='uq_dataset_versions_number')
    )
    with op.batch_alter_table('dataset_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dataset_versions_dataset_id'), ['dataset_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dataset_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dataset_versions_dataset_id'))
    op.drop_table('dataset_versions')
    op.drop_table('datasets')
