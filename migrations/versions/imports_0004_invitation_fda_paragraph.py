"""invitation letters keep FDA's own paragraph

Revision ID: imports_0004
Revises: imports_0003
Create Date: 2026-11-30 09:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = "imports_0004"
down_revision = "imports_0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fda_paragraph", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_column("fda_paragraph")
