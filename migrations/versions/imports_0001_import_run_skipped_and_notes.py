"""import runs count skipped lines and keep remarks on lines

Revision ID: imports_0001
Revises: mail_0001
Create Date: 2026-11-30 08:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "imports_0001"
down_revision = "mail_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skipped", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("notes", sa.Text(), server_default="[]", nullable=False))


def downgrade():
    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.drop_column("notes")
        batch_op.drop_column("skipped")
