"""documents on records, stored in the database a chunk per row (SPEC 15, issue 13)

Revision ID: i13d_0001
Revises: i12r_0001
Create Date: 2026-12-06 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

import portal.models


# revision identifiers, used by Alembic.
revision = "i13d_0001"
down_revision = "i12r_0001"
branch_labels = None
depends_on = None

_KINDS = ("question", "answer", "message", "meeting_record", "evidence")
_INTERNAL_KINDS = ("engagement_note", "question_note")


def upgrade():
    # A message's and an evidence event's documents point at it with its firm: (id, firm_id)
    # must be unique.
    with op.batch_alter_table("engagement_message", schema=None) as batch_op:
        batch_op.create_index("uq_engagement_message_id_firm_id", ["id", "firm_id"], unique=True)
    with op.batch_alter_table("quality_action_event", schema=None) as batch_op:
        batch_op.create_index("uq_quality_action_event_id_firm_id", ["id", "firm_id"], unique=True)

    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                *_KINDS, name="document_kind", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("record_version_id", sa.Integer(), nullable=True),
        sa.Column("evidence_event_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", portal.models.UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", portal.models.UTCDateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN question_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN message_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN record_version_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN evidence_event_id IS NULL THEN 0 ELSE 1 END) = 1"
            " AND (kind NOT IN ('question', 'answer') OR question_id IS NOT NULL)"
            " AND (kind <> 'message' OR message_id IS NOT NULL)"
            " AND (kind <> 'meeting_record' OR record_version_id IS NOT NULL)"
            " AND (kind <> 'evidence' OR evidence_event_id IS NOT NULL)",
            name=op.f("ck_document_one_record"),
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firm.id"], name=op.f("fk_document_firm_id_firm")),
        sa.ForeignKeyConstraint(
            ["message_id", "firm_id"],
            ["engagement_message.id", "engagement_message.firm_id"],
            name="fk_document_message_id_engagement_message",
        ),
        sa.ForeignKeyConstraint(
            ["evidence_event_id", "firm_id"],
            ["quality_action_event.id", "quality_action_event.firm_id"],
            name="fk_document_evidence_event_id_quality_action_event",
        ),
        sa.ForeignKeyConstraint(
            ["record_version_id", "firm_id"],
            ["meeting_record_version.id", "meeting_record_version.firm_id"],
            name="fk_document_record_version_id_meeting_record_version",
        ),
        sa.ForeignKeyConstraint(
            ["question_id", "firm_id"],
            ["question.id", "question.firm_id"],
            name="fk_document_question_id_question",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user_account.id"],
            name=op.f("fk_document_uploaded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["user_account.id"],
            name=op.f("fk_document_withdrawn_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint("public_id", name=op.f("uq_document_public_id")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_firm_id"), ["firm_id"], unique=False)
        batch_op.create_index("ix_document_message", ["message_id"], unique=False)
        batch_op.create_index("ix_document_question", ["question_id", "kind"], unique=False)
        batch_op.create_index("ix_document_record_version", ["record_version_id"], unique=False)
        batch_op.create_index("ix_document_evidence_event", ["evidence_event_id"], unique=False)
        batch_op.create_index("uq_document_id_firm_id", ["id", "firm_id"], unique=True)

    op.create_table(
        "document_chunk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id", "firm_id"],
            ["document.id", "document.firm_id"],
            name="fk_document_chunk_document_id_document",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firm.id"], name=op.f("fk_document_chunk_firm_id_firm")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_chunk")),
        sa.UniqueConstraint("document_id", "seq", name="uq_document_chunk_document_seq"),
    )
    with op.batch_alter_table("document_chunk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_chunk_firm_id"), ["firm_id"], unique=False)

    # Files on FDA's internal notes: tables of their own, which a firm's session never reads.
    with op.batch_alter_table("engagement_note", schema=None) as batch_op:
        batch_op.create_index("uq_engagement_note_id_firm_id", ["id", "firm_id"], unique=True)
    with op.batch_alter_table("question_note", schema=None) as batch_op:
        batch_op.create_index("uq_question_note_id_firm_id", ["id", "firm_id"], unique=True)
    op.create_table(
        "internal_document",
        sa.Column(
            "kind",
            sa.Enum(
                *_INTERNAL_KINDS,
                name="internal_document_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("engagement_note_id", sa.Integer(), nullable=True),
        sa.Column("question_note_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", portal.models.UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", portal.models.UTCDateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'engagement_note' AND engagement_note_id IS NOT NULL"
            " AND question_note_id IS NULL)"
            " OR (kind = 'question_note' AND question_note_id IS NOT NULL"
            " AND engagement_note_id IS NULL)",
            name=op.f("ck_internal_document_one_note"),
        ),
        sa.ForeignKeyConstraint(
            ["engagement_note_id", "firm_id"],
            ["engagement_note.id", "engagement_note.firm_id"],
            name="fk_internal_document_engagement_note_id_engagement_note",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firm.id"], name=op.f("fk_internal_document_firm_id_firm")
        ),
        sa.ForeignKeyConstraint(
            ["question_note_id", "firm_id"],
            ["question_note.id", "question_note.firm_id"],
            name="fk_internal_document_question_note_id_question_note",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user_account.id"],
            name=op.f("fk_internal_document_uploaded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["user_account.id"],
            name=op.f("fk_internal_document_withdrawn_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internal_document")),
        sa.UniqueConstraint("public_id", name=op.f("uq_internal_document_public_id")),
    )
    with op.batch_alter_table("internal_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_internal_document_firm_id"), ["firm_id"], unique=False)
        batch_op.create_index(
            "ix_internal_document_engagement_note", ["engagement_note_id"], unique=False
        )
        batch_op.create_index(
            "ix_internal_document_question_note", ["question_note_id"], unique=False
        )
        batch_op.create_index("uq_internal_document_id_firm_id", ["id", "firm_id"], unique=True)
    op.create_table(
        "internal_document_chunk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id", "firm_id"],
            ["internal_document.id", "internal_document.firm_id"],
            name="fk_internal_document_chunk_document_id_internal_document",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firm.id"], name=op.f("fk_internal_document_chunk_firm_id_firm")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internal_document_chunk")),
        sa.UniqueConstraint("document_id", "seq", name="uq_internal_document_chunk_document_seq"),
    )
    with op.batch_alter_table("internal_document_chunk", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_internal_document_chunk_firm_id"), ["firm_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("internal_document_chunk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_internal_document_chunk_firm_id"))
    op.drop_table("internal_document_chunk")
    with op.batch_alter_table("internal_document", schema=None) as batch_op:
        batch_op.drop_index("uq_internal_document_id_firm_id")
        batch_op.drop_index("ix_internal_document_question_note")
        batch_op.drop_index("ix_internal_document_engagement_note")
        batch_op.drop_index(batch_op.f("ix_internal_document_firm_id"))
    op.drop_table("internal_document")
    with op.batch_alter_table("question_note", schema=None) as batch_op:
        batch_op.drop_index("uq_question_note_id_firm_id")
    with op.batch_alter_table("engagement_note", schema=None) as batch_op:
        batch_op.drop_index("uq_engagement_note_id_firm_id")
    with op.batch_alter_table("document_chunk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_chunk_firm_id"))
    op.drop_table("document_chunk")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index("uq_document_id_firm_id")
        batch_op.drop_index("ix_document_evidence_event")
        batch_op.drop_index("ix_document_record_version")
        batch_op.drop_index("ix_document_question")
        batch_op.drop_index("ix_document_message")
        batch_op.drop_index(batch_op.f("ix_document_firm_id"))
    op.drop_table("document")
    with op.batch_alter_table("quality_action_event", schema=None) as batch_op:
        batch_op.drop_index("uq_quality_action_event_id_firm_id")
    with op.batch_alter_table("engagement_message", schema=None) as batch_op:
        batch_op.drop_index("uq_engagement_message_id_firm_id")
