"""Security keys and passkeys, their challenges, session records, FDA TOTP recovery allowance (issue 14)

Revision ID: webauthn_0001
Revises: perf_0003
Create Date: 2026-11-30 08:13:41.146460

"""
from alembic import op
import sqlalchemy as sa

import portal.models


# revision identifiers, used by Alembic.
revision = 'webauthn_0001'
down_revision = "perf_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('created_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('ended_at', portal.models.UTCDateTime(), nullable=True),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('public_id', name=op.f('uq_user_session_public_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    op.create_table('webauthn_challenge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handle_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('challenge', sa.LargeBinary(length=64), nullable=False),
    sa.Column('created_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('expires_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('used_at', portal.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_webauthn_challenge_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webauthn_challenge')),
    sa.UniqueConstraint('handle_hash', name=op.f('uq_webauthn_challenge_handle_hash'))
    )
    with op.batch_alter_table('webauthn_challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webauthn_challenge_user_id'), ['user_id'], unique=False)

    op.create_table('webauthn_credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.LargeBinary(length=1024), nullable=False),
    sa.Column('public_key', sa.LargeBinary(length=2048), nullable=False),
    sa.Column('sign_count', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('is_passkey', sa.Boolean(), nullable=False),
    sa.Column('backup_eligible', sa.Boolean(), nullable=False),
    sa.Column('backed_up', sa.Boolean(), nullable=False),
    sa.Column('transports', sa.String(length=100), nullable=False),
    sa.Column('created_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', portal.models.UTCDateTime(), nullable=True),
    sa.Column('removed_at', portal.models.UTCDateTime(), nullable=True),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_webauthn_credential_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webauthn_credential')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_webauthn_credential_credential_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_webauthn_credential_public_id'))
    )
    with op.batch_alter_table('webauthn_credential', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webauthn_credential_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_recovery_until', portal.models.UTCDateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('totp_recovery_until')

    with op.batch_alter_table('webauthn_credential', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webauthn_credential_user_id'))

    op.drop_table('webauthn_credential')
    with op.batch_alter_table('webauthn_challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webauthn_challenge_user_id'))

    op.drop_table('webauthn_challenge')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))

    op.drop_table('user_session')
