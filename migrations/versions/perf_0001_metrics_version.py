"""metrics_version: the version cached dashboard figures are keyed by

Revision ID: perf_0001
Revises: imports_0004
Create Date: 2026-11-30 08:45:00

"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "perf_0001"
down_revision = "imports_0004"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "metrics_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.String(length=32), nullable=False),
        sa.Column("counter", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metrics_version")),
    )
    # The row every write bumps; the portal also creates it on the first write if missing.
    op.bulk_insert(table, [{"id": 1, "generation": uuid.uuid4().hex, "counter": 0}])


def downgrade():
    op.drop_table("metrics_version")
