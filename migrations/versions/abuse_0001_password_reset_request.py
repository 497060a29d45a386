"""Password reset requests, decided by the mail worker (issue 9, item 6)

Revision ID: abuse_0001
Revises: webauthn_0001
"""

import sqlalchemy as sa
from alembic import op

import portal.models

revision = "abuse_0001"
down_revision = "webauthn_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "password_reset_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("requested_at", portal.models.UTCDateTime(), nullable=False),
        sa.Column("handled_at", portal.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_request")),
    )
    with op.batch_alter_table("password_reset_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_password_reset_request_handled_at"), ["handled_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("password_reset_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_request_handled_at"))
    op.drop_table("password_reset_request")
