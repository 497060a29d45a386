"""firm_version: the versions the firm's cached home page is keyed by

Revision ID: firmfast_0001
Revises: dash50_0001
Create Date: 2026-12-06 13:10:00

"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "firmfast_0001"
down_revision = "dash50_0001"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "firm_version",
        sa.Column("firm_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.String(length=32), nullable=False),
        sa.Column("counter", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("firm_id", name=op.f("pk_firm_version")),
    )
    # The program's row (firm_id 0): pages are cached only once it exists. The portal
    # also creates it with the first write if it is missing.
    op.bulk_insert(table, [{"firm_id": 0, "generation": uuid.uuid4().hex, "counter": 0}])


def downgrade():
    op.drop_table("firm_version")
