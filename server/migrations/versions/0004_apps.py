"""one app model: workflow and agent apps share the apps, app_keys, app_conversations and app_messages tables

Revision ID: 0004_apps
Revises: 0003_agents

Every row of the old key, conversation, message and turn tables moves over with its id, its timestamps (so
its order) and, for keys, its hash (so the same secret keeps working). A chat workflow's message takes its
error, usage and timing from the run it recorded; a conversation's source is
where its first run came from (the console preview, else the public API).
"""

import sqlalchemy as sa
from alembic import op

revision = '0004_apps'
down_revision = '0003_agents'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('apps',
    sa.Column('id', sa.String(length=48), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('app_keys',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('app_id', sa.String(length=48), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('last_used_at', sa.Float(), nullable=True),
    sa.Column('revoked_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    with op.batch_alter_table('app_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_keys_app_id'), ['app_id'], unique=False)

    op.create_table('app_conversations',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('app_id', sa.String(length=48), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('user', sa.String(length=200), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('app_conversations', schema=None) as batch_op:
        batch_op.create_index('ix_app_conversations_app', ['app_id', 'updated_at'], unique=False)

    op.create_table('app_messages',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('app_id', sa.String(length=48), nullable=False),
    sa.Column('run_id', sa.String(length=32), nullable=True),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('config', sa.JSON(), nullable=True),
    sa.Column('trace', sa.JSON(), nullable=False),
    sa.Column('usage', sa.JSON(), nullable=False),
    sa.Column('elapsed_ms', sa.Float(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('finished_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['app_conversations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('app_messages', schema=None) as batch_op:
        batch_op.create_index('ix_app_messages_conversation', ['conversation_id', 'created_at'], unique=False)
        batch_op.create_index('ix_app_messages_app', ['app_id', 'created_at'], unique=False)

    for statement in UPGRADE_DATA:
        op.execute(statement)
    # Children first: with foreign keys on, dropping a parent table deletes its children's rows.
    for table in ('messages', 'conversations', 'api_keys', 'agent_turns', 'agent_conversations', 'agent_keys'):
        op.drop_table(table)


# "user" is quoted: a reserved word in PostgreSQL.
UPGRADE_DATA = (
    "INSERT INTO apps (id, kind, created_at) SELECT id, 'workflow', created_at FROM workflows",
    "INSERT INTO apps (id, kind, created_at) SELECT id, 'agent', created_at FROM agent_apps",
    """INSERT INTO app_keys (id, app_id, name, prefix, key_hash, created_at, last_used_at, revoked_at)
       SELECT id, workflow_id, name, prefix, key_hash, created_at, last_used_at, revoked_at FROM api_keys""",
    """INSERT INTO app_keys (id, app_id, name, prefix, key_hash, created_at, last_used_at, revoked_at)
       SELECT id, agent_id, name, prefix, key_hash, created_at, NULL, revoked_at FROM agent_keys""",
    """INSERT INTO app_conversations (id, app_id, source, "user", name, created_at, updated_at)
       SELECT c.id, c.workflow_id,
              CASE (SELECT r.source FROM messages m JOIN runs r ON r.id = m.run_id
                    WHERE m.conversation_id = c.id ORDER BY m.created_at LIMIT 1)
                   WHEN 'console' THEN 'console' ELSE 'api' END,
              c."user", c.name, c.created_at, c.updated_at
       FROM conversations c""",
    """INSERT INTO app_conversations (id, app_id, source, "user", name, created_at, updated_at)
       SELECT id, agent_id, source, "user", name, created_at, updated_at FROM agent_conversations""",
    """INSERT INTO app_messages (id, conversation_id, app_id, run_id, query, answer, status, error, config, trace,
                                usage, elapsed_ms, created_at, finished_at)
       SELECT m.id, m.conversation_id, c.workflow_id, m.run_id, m.query, m.answer, m.status, r.error, NULL, '[]',
              COALESCE(r.usage, '{}'), COALESCE(r.elapsed_ms, 0.0), m.created_at, COALESCE(r.finished_at, m.created_at)
       FROM messages m JOIN conversations c ON c.id = m.conversation_id LEFT JOIN runs r ON r.id = m.run_id""",
    """INSERT INTO app_messages (id, conversation_id, app_id, run_id, query, answer, status, error, config, trace,
                                usage, elapsed_ms, created_at, finished_at)
       SELECT id, conversation_id, agent_id, NULL, query, answer, status, error, config, trace, usage, elapsed_ms,
              created_at, finished_at FROM agent_turns""",
)


def downgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('workflow_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('last_used_at', sa.Float(), nullable=True),
    sa.Column('revoked_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_workflow_id'), ['workflow_id'], unique=False)
    op.create_table('conversations',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('workflow_id', sa.String(length=32), nullable=False),
    sa.Column('user', sa.String(length=200), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index('ix_conversations_workflow', ['workflow_id', 'updated_at'], unique=False)
    op.create_table('messages',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('run_id', sa.String(length=32), nullable=True),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_conversation', ['conversation_id', 'created_at'], unique=False)
    op.create_table('agent_keys',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('agent_id', sa.String(length=48), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('revoked_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agent_apps.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    with op.batch_alter_table('agent_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_keys_agent_id'), ['agent_id'], unique=False)
    op.create_table('agent_conversations',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('agent_id', sa.String(length=48), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('user', sa.String(length=200), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent_apps.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('agent_conversations', schema=None) as batch_op:
        batch_op.create_index('ix_agent_conversations_agent', ['agent_id', 'updated_at'], unique=False)
    op.create_table('agent_turns',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('agent_id', sa.String(length=48), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('trace', sa.JSON(), nullable=False),
    sa.Column('usage', sa.JSON(), nullable=False),
    sa.Column('elapsed_ms', sa.Float(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('finished_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['agent_conversations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('agent_turns', schema=None) as batch_op:
        batch_op.create_index('ix_agent_turns_conversation', ['conversation_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_turns_agent_id'), ['agent_id'], unique=False)

    for statement in DOWNGRADE_DATA:
        op.execute(statement)
    for table in ('app_messages', 'app_conversations', 'app_keys', 'apps'):
        op.drop_table(table)


_WORKFLOW = "(SELECT id FROM apps WHERE kind = 'workflow')"
_AGENT = "(SELECT id FROM apps WHERE kind = 'agent')"
DOWNGRADE_DATA = (
    f"""INSERT INTO api_keys SELECT id, app_id, name, prefix, key_hash, created_at, last_used_at, revoked_at
        FROM app_keys WHERE app_id IN {_WORKFLOW}""",
    f"""INSERT INTO agent_keys SELECT id, app_id, name, prefix, key_hash, created_at, revoked_at
        FROM app_keys WHERE app_id IN {_AGENT}""",
    f"""INSERT INTO conversations SELECT id, app_id, "user", name, created_at, updated_at
        FROM app_conversations WHERE app_id IN {_WORKFLOW}""",
    f"""INSERT INTO agent_conversations SELECT id, app_id, source, "user", name, created_at, updated_at
        FROM app_conversations WHERE app_id IN {_AGENT}""",
    f"""INSERT INTO messages SELECT id, conversation_id, run_id, query, answer, status, created_at
        FROM app_messages WHERE app_id IN {_WORKFLOW}""",
    f"""INSERT INTO agent_turns SELECT id, conversation_id, app_id, query, answer, status, error,
               COALESCE(config, '{{}}'), trace, usage, elapsed_ms, created_at, finished_at
        FROM app_messages WHERE app_id IN {_AGENT}""",
)
