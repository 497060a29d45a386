"""engagement messages, internal notes, read markers, notice preferences, digests (SPEC 14)

Revision ID: i12m_0001
Revises: i12q_0001
Create Date: 2026-11-30 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.models


# revision identifiers, used by Alembic.
revision = 'i12m_0001'
down_revision = 'i12q_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_digest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent_at', portal.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_message_digest_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_digest')),
    sa.UniqueConstraint('user_id', 'day', name='uq_message_digest_user_day')
    )
    op.create_table('message_notice_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('immediate', 'digest', name='notice_mode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('updated_at', portal.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_message_notice_preference_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_notice_preference')),
    sa.UniqueConstraint('user_id', name=op.f('uq_message_notice_preference_user_id'))
    )
    op.create_table('engagement_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_engagement_message_author_id_user_account')),
    sa.ForeignKeyConstraint(['engagement_id', 'firm_id'], ['engagement.id', 'engagement.firm_id'], name='fk_engagement_message_engagement_id_engagement'),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_engagement_message_firm_id_firm')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_message')),
    sa.UniqueConstraint('public_id', name=op.f('uq_engagement_message_public_id'))
    )
    with op.batch_alter_table('engagement_message', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_message_engagement_created', ['engagement_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_engagement_message_firm_id'), ['firm_id'], unique=False)

    op.create_table('engagement_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_engagement_note_author_id_user_account')),
    sa.ForeignKeyConstraint(['engagement_id', 'firm_id'], ['engagement.id', 'engagement.firm_id'], name='fk_engagement_note_engagement_id_engagement'),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_engagement_note_firm_id_firm')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_note')),
    sa.UniqueConstraint('public_id', name=op.f('uq_engagement_note_public_id'))
    )
    with op.batch_alter_table('engagement_note', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_note_engagement_created', ['engagement_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_engagement_note_firm_id'), ['firm_id'], unique=False)

    op.create_table('message_read_marker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('read_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['engagement_id', 'firm_id'], ['engagement.id', 'engagement.firm_id'], name='fk_message_read_marker_engagement_id_engagement'),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_message_read_marker_firm_id_firm')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_message_read_marker_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_read_marker')),
    sa.UniqueConstraint('user_id', 'engagement_id', name='uq_message_read_marker_user_engagement')
    )
    with op.batch_alter_table('message_read_marker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_read_marker_engagement_id'), ['engagement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_read_marker_firm_id'), ['firm_id'], unique=False)



def downgrade():
    with op.batch_alter_table('message_read_marker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_read_marker_firm_id'))
        batch_op.drop_index(batch_op.f('ix_message_read_marker_engagement_id'))

    op.drop_table('message_read_marker')
    with op.batch_alter_table('engagement_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engagement_note_firm_id'))
        batch_op.drop_index('ix_engagement_note_engagement_created')

    op.drop_table('engagement_note')
    with op.batch_alter_table('engagement_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engagement_message_firm_id'))
        batch_op.drop_index('ix_engagement_message_engagement_created')

    op.drop_table('engagement_message')
    op.drop_table('message_notice_preference')
    op.drop_table('message_digest')
