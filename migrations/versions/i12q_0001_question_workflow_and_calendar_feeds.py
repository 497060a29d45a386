"""question assignment, FDA leads, internal notes, calendar feeds (issue 12)

SPEC 8: FDA assigns a question to a colleague (by default the engagement's FDA lead) and
keeps internal notes the firm never sees.
SPEC 7: each person's secret calendar feed address, stored only as a hash.

Revision ID: i12q_0001
Revises: perf_0004
Create Date: 2026-11-30 12:20:00

"""
from alembic import op
import sqlalchemy as sa

import portal.models


# revision identifiers, used by Alembic.
revision = 'i12q_0001'
down_revision = 'perf_0004'
branch_labels = None
depends_on = None


def _lift_triggers(*tables):
    """SQLite rebuilds a table in batch mode, and a trigger that names it (the API's change
    keys, portal/api/site_changes.py) stops the rebuild: take such triggers off first and
    return their statements, to put back once the tables are rebuilt."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return []
    rows = bind.execute(
        sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    ).all()
    lifted = [(name, sql) for name, sql in rows if any(table in sql for table in tables)]
    for name, _ in lifted:
        op.execute(f'DROP TRIGGER "{name}"')
    return [sql for _, sql in lifted]


def _put_back(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    lifted = _lift_triggers("engagement", "question")
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fda_lead_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_engagement_fda_lead_id_user_account'), 'user_account', ['fda_lead_id'], ['id']
        )

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_to_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_question_assigned_to_id'), ['assigned_to_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_question_assigned_to_id_user_account'), 'user_account', ['assigned_to_id'], ['id']
        )

    op.create_table('question_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_question_note_author_id_user_account')),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_question_note_firm_id_firm')),
    sa.ForeignKeyConstraint(['question_id', 'firm_id'], ['question.id', 'question.firm_id'], name='fk_question_note_question_id_question'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_note')),
    sa.UniqueConstraint('public_id', name=op.f('uq_question_note_public_id'))
    )
    with op.batch_alter_table('question_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_note_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_note_question_id'), ['question_id'], unique=False)

    op.create_table('calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', portal.models.UTCDateTime(), nullable=True),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_calendar_feed_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('public_id', name=op.f('uq_calendar_feed_public_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_token_hash'))
    )
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feed_user_id'), ['user_id'], unique=False)

    _put_back(lifted)


def downgrade():
    lifted = _lift_triggers("engagement", "question")
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feed_user_id'))
    op.drop_table('calendar_feed')

    with op.batch_alter_table('question_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_note_question_id'))
        batch_op.drop_index(batch_op.f('ix_question_note_firm_id'))
    op.drop_table('question_note')

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_question_assigned_to_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_question_assigned_to_id'))
        batch_op.drop_column('assigned_to_id')

    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_engagement_fda_lead_id_user_account'), type_='foreignkey')
        batch_op.drop_column('fda_lead_id')
    _put_back(lifted)
