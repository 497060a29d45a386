"""shortage match proposals carry their strength

Revision ID: imports_0002
Revises: imports_0001
Create Date: 2026-11-30 08:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = "imports_0002"
down_revision = "imports_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shortage_match", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("strength", sa.String(length=24), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("shortage_match", schema=None) as batch_op:
        batch_op.drop_column("strength")
