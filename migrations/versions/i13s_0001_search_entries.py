"""search entries: the full-text index of firm-visible texts, filled from the existing
records (issue 13)

SQLite gets an FTS5 table over search_entry.terms kept by triggers, PostgreSQL a GIN index
over to_tsvector('simple', terms): the same statements create_all runs
(portal.search.models). The backfill is portal.search.indexing.rebuild, the code behind
`flask search reindex`, so that migrated entries are normalized exactly like new ones; if
that code ever stops fitting this revision's tables, run the reindex command instead.

Revision ID: i13s_0001
Revises: i13d_0001
Create Date: 2026-12-06 09:41:58.692899

"""
from alembic import op
import sqlalchemy as sa

import portal.models


# revision identifiers, used by Alembic.
revision = 'i13s_0001'
down_revision = 'i13d_0001'
branch_labels = None
depends_on = None


def upgrade():
    from portal.search import indexing, models

    op.create_table('search_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Uuid(), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=True),
    sa.Column('occurred_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_search_entry_firm_id_firm')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entry')),
    sa.UniqueConstraint('kind', 'source_id', name='uq_search_entry_kind_source')
    )
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_entry_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index('ix_search_entry_firm_occurred', ['firm_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_search_entry_occurred', ['occurred_at', 'id'], unique=False)

    bind = op.get_bind()
    statements = models.SQLITE_DDL if bind.dialect.name == 'sqlite' else models.POSTGRESQL_DDL
    for statement in statements:
        op.execute(statement)
    indexing.rebuild(bind)


def downgrade():
    from portal.search import models

    bind = op.get_bind()
    drops = models.SQLITE_DROP if bind.dialect.name == 'sqlite' else models.POSTGRESQL_DROP
    for statement in drops:
        op.execute(statement)
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_search_entry_occurred')
        batch_op.drop_index('ix_search_entry_firm_occurred')
        batch_op.drop_index(batch_op.f('ix_search_entry_firm_id'))

    op.drop_table('search_entry')
