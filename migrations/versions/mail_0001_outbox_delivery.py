"""Delivery tracked per recipient: outbox_delivery

Revision ID: mail_0001
Revises: tenancy_0001
Create Date: 2026-11-30 08:20:00

Existing messages get one row per address: accepted if the message was sent,
failed if it had failed, pending otherwise, so nothing already delivered is
sent again and nothing queued is lost.
"""
from alembic import op
import sqlalchemy as sa

import portal.models


# revision identifiers, used by Alembic.
revision = 'mail_0001'
down_revision = 'tenancy_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('status', sa.Enum('pending', 'accepted', 'failed', name='outbox_delivery_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('reply_code', sa.Integer(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('accepted_at', portal.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_message.id'], name=op.f('fk_outbox_delivery_message_id_outbox_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_delivery')),
    sa.UniqueConstraint('message_id', 'address', name=op.f('uq_outbox_delivery_message_id_address'))
    )
    with op.batch_alter_table('outbox_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_delivery_message_id'), ['message_id'], unique=False)

    connection = op.get_bind()
    message = sa.table(
        'outbox_message',
        sa.column('id', sa.Integer()),
        sa.column('recipients', sa.Text()),
        sa.column('status', sa.String()),
        sa.column('attempts', sa.Integer()),
        sa.column('last_error', sa.Text()),
        sa.column('sent_at', portal.models.UTCDateTime()),
    )
    messages = connection.execute(sa.select(message)).all()
    delivery = sa.table(
        'outbox_delivery',
        sa.column('message_id', sa.Integer()),
        sa.column('address', sa.String()),
        sa.column('status', sa.String()),
        sa.column('attempts', sa.Integer()),
        sa.column('reply', sa.Text()),
        sa.column('accepted_at', portal.models.UTCDateTime()),
    )
    outcome = {'sent': 'accepted', 'failed': 'failed'}
    rows = [
        {
            'message_id': message.id,
            'address': address,
            'status': outcome.get(message.status, 'pending'),
            'attempts': message.attempts,
            'reply': message.last_error or '',
            'accepted_at': message.sent_at if message.status == 'sent' else None,
        }
        for message in messages
        for address in dict.fromkeys(a for a in message.recipients.split(',') if a)
    ]
    if rows:
        op.bulk_insert(delivery, rows)


def downgrade():
    with op.batch_alter_table('outbox_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_delivery_message_id'))

    op.drop_table('outbox_delivery')
