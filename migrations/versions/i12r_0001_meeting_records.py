"""meeting records: FDA's working copy, follow-ups, published versions, the firm's replies;
question status "discussed" (SPEC 7a, issue 12)

Revision ID: i12r_0001
Revises: i12m_0001
Create Date: 2026-11-30 12:56:28.182221

"""
from alembic import op
import sqlalchemy as sa

import portal.models


# revision identifiers, used by Alembic.
revision = 'i12r_0001'
down_revision = 'i12m_0001'
branch_labels = None
depends_on = None

_STATUSES_BEFORE = ('received', 'under_review', 'answered_in_writing', 'for_discussion')
_STATUSES_AFTER = (*_STATUSES_BEFORE, 'discussed')


def _status_type(values):
    return sa.Enum(
        *values, name='question_status', native_enum=False, create_constraint=True, length=32
    )


def _lift_triggers(*tables):
    """SQLite rebuilds a table in batch mode; a trigger naming it would stop the rebuild
    (as in i12q_0001): take such triggers off, and put them back afterwards."""
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


def _set_question_statuses(before, after):
    lifted = _lift_triggers("question")
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.alter_column(
            'status', existing_type=_status_type(before), type_=_status_type(after),
            existing_nullable=False,
        )
    for statement in lifted:
        op.execute(statement)


def upgrade():
    _set_question_statuses(_STATUSES_BEFORE, _STATUSES_AFTER)

    op.create_table('meeting_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('attendee_ids', sa.JSON(), nullable=False),
    sa.Column('guests', sa.JSON(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('topics', sa.Text(), nullable=False),
    sa.Column('outcomes', sa.Text(), nullable=False),
    sa.Column('question_ids', sa.JSON(), nullable=False),
    sa.Column('published_number', sa.Integer(), nullable=False),
    sa.Column('has_unpublished_changes', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_meeting_record_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_meeting_record_firm_id_firm')),
    sa.ForeignKeyConstraint(['meeting_id', 'firm_id'], ['meeting.id', 'meeting.firm_id'], name='fk_meeting_record_meeting_id_meeting'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_record')),
    sa.UniqueConstraint('meeting_id', name='uq_meeting_record_meeting_id'),
    sa.UniqueConstraint('public_id', name=op.f('uq_meeting_record_public_id'))
    )
    with op.batch_alter_table('meeting_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_record_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index('uq_meeting_record_id_firm_id', ['id', 'firm_id'], unique=True)

    op.create_table('meeting_record_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('changed_sections', sa.JSON(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=False),
    sa.Column('published_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_meeting_record_version_firm_id_firm')),
    sa.ForeignKeyConstraint(['meeting_id', 'firm_id'], ['meeting.id', 'meeting.firm_id'], name='fk_meeting_record_version_meeting_id_meeting'),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_meeting_record_version_published_by_id_user_account')),
    sa.ForeignKeyConstraint(['record_id', 'firm_id'], ['meeting_record.id', 'meeting_record.firm_id'], name='fk_meeting_record_version_record_id_meeting_record'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_record_version')),
    sa.UniqueConstraint('public_id', name=op.f('uq_meeting_record_version_public_id')),
    sa.UniqueConstraint('record_id', 'number', name='uq_meeting_record_version_number')
    )
    with op.batch_alter_table('meeting_record_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_record_version_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index('ix_meeting_record_version_meeting', ['meeting_id', 'number'], unique=False)
        batch_op.create_index('uq_meeting_record_version_id_firm_id', ['id', 'firm_id'], unique=True)

    op.create_table('meeting_follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_name', sa.String(length=120), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('quality_action_id', sa.Integer(), nullable=True),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_meeting_follow_up_firm_id_firm')),
    sa.ForeignKeyConstraint(['quality_action_id', 'firm_id'], ['quality_action.id', 'quality_action.firm_id'], name='fk_meeting_follow_up_quality_action_id_quality_action'),
    sa.ForeignKeyConstraint(['record_id', 'firm_id'], ['meeting_record.id', 'meeting_record.firm_id'], name='fk_meeting_follow_up_record_id_meeting_record'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_follow_up')),
    sa.UniqueConstraint('public_id', name=op.f('uq_meeting_follow_up_public_id'))
    )
    with op.batch_alter_table('meeting_follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_follow_up_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_follow_up_record_id'), ['record_id'], unique=False)

    op.create_table('meeting_record_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_meeting_record_reply_author_id_user_account')),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_meeting_record_reply_firm_id_firm')),
    sa.ForeignKeyConstraint(['meeting_id', 'firm_id'], ['meeting.id', 'meeting.firm_id'], name='fk_meeting_record_reply_meeting_id_meeting'),
    sa.ForeignKeyConstraint(['version_id', 'firm_id'], ['meeting_record_version.id', 'meeting_record_version.firm_id'], name='fk_meeting_record_reply_version_id_meeting_record_version'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_record_reply')),
    sa.UniqueConstraint('public_id', name=op.f('uq_meeting_record_reply_public_id'))
    )
    with op.batch_alter_table('meeting_record_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_record_reply_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index('ix_meeting_record_reply_meeting', ['meeting_id', 'created_at'], unique=False)



def downgrade():
    op.execute("UPDATE question SET status = 'for_discussion' WHERE status = 'discussed'")
    with op.batch_alter_table('meeting_record_reply', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_record_reply_meeting')
        batch_op.drop_index(batch_op.f('ix_meeting_record_reply_firm_id'))

    op.drop_table('meeting_record_reply')
    with op.batch_alter_table('meeting_follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_follow_up_record_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_follow_up_firm_id'))

    op.drop_table('meeting_follow_up')
    with op.batch_alter_table('meeting_record_version', schema=None) as batch_op:
        batch_op.drop_index('uq_meeting_record_version_id_firm_id')
        batch_op.drop_index('ix_meeting_record_version_meeting')
        batch_op.drop_index(batch_op.f('ix_meeting_record_version_firm_id'))

    op.drop_table('meeting_record_version')
    with op.batch_alter_table('meeting_record', schema=None) as batch_op:
        batch_op.drop_index('uq_meeting_record_id_firm_id')
        batch_op.drop_index(batch_op.f('ix_meeting_record_firm_id'))

    op.drop_table('meeting_record')
    _set_question_statuses(_STATUSES_AFTER, _STATUSES_BEFORE)
