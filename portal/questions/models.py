"""Questions firms submit before a meeting, and FDA's responses (SPEC 8)."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, Text, or_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import (
    FirmOwned,
    PublicIdMixin,
    TimestampMixin,
    UTCDateTime,
    firm_key,
    same_firm_as,
    string_enum,
)


class QuestionStatus(enum.StrEnum):
    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    ANSWERED_IN_WRITING = "answered_in_writing"
    FOR_DISCUSSION = "for_discussion"  # to be discussed at the meeting
    #: Ticked in the meeting's record (SPEC 7a): it was discussed, the record says how.
    DISCUSSED = "discussed"

    @property
    def label(self) -> str:
        return {
            "received": "Received",
            "under_review": "Under review",
            "answered_in_writing": "Answered in writing",
            "for_discussion": "For discussion at the meeting",
            "discussed": "Discussed at the meeting",
        }[self.value]


#: CGMP topics a question is filed under (21 CFR 211 subparts, plus what firms ask about).
CGMP_TOPICS = (
    ("quality_system", "Quality system"),
    ("facilities_equipment", "Facilities and equipment"),
    ("materials", "Materials"),
    ("production_process", "Production and process controls"),
    ("packaging_labeling", "Packaging and labeling"),
    ("laboratory_controls", "Laboratory controls"),
    ("data_integrity", "Data integrity"),
    ("supply_chain", "Supply chain"),
    ("other", "Other"),
)
CGMP_TOPIC_LABELS = dict(CGMP_TOPICS)

#: Statuses under which FDA has not yet said anything to the firm.
ANSWER_PENDING = (QuestionStatus.RECEIVED, QuestionStatus.UNDER_REVIEW)

#: FDA answers a question this long before its meeting starts, so that the firm has
#: time to read the answer and prepare (the due dates on "my questions").
ANSWER_DUE_BEFORE_MEETING = timedelta(days=2)


class Question(PublicIdMixin, TimestampMixin, FirmOwned, db.Model):
    __tablename__ = "question"
    __table_args__ = (
        firm_key("question"),
        # The API lists by (updated_at, public_id): a page is an index range read.
        Index("ix_question_updated_at_public_id", "updated_at", "public_id"),
        # The dashboard's question figures read only these columns, by these ranges: from
        # the narrow index instead of the wide rows (bodies), 500,000 questions are no scan.
        Index("ix_question_submitted_at", "submitted_at", "withdrawn_at", "meeting_id"),
        Index("ix_question_responded_at", "responded_at", "withdrawn_at", "submitted_at"),
        Index("ix_question_meeting_withdrawn", "meeting_id", "withdrawn_at", "submitted_at"),
        same_firm_as("question", "meeting", "meeting_id"),
        same_firm_as("question", "engagement", "engagement_id"),
        # A follow-up asks again about the same firm's question, never another firm's.
        same_firm_as("question", "question", "follows_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(nullable=False, index=True)
    engagement_id: Mapped[int] = mapped_column(nullable=False, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    topic: Mapped[str] = mapped_column(String(32), nullable=False)
    #: Sanitized HTML (portal.sanitize), safe to render as is.
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[QuestionStatus] = mapped_column(
        string_enum(QuestionStatus, "question_status"),
        nullable=False,
        default=QuestionStatus.RECEIVED,
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: Set when the firm withdraws the question before the deadline.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: FDA's written response, sanitized HTML.
    response_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: The earlier question this one follows up: once FDA has taken a question up
    #: the firm cannot change it, so it asks again, linked to it (SPEC 8).
    follows_id: Mapped[int | None] = mapped_column(index=True)
    #: The FDA staff member who prepares FDA's answer (SPEC 8); FDA-only, never on firm pages.
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)

    meeting = relationship("Meeting", foreign_keys=[meeting_id])
    author = relationship("User", foreign_keys=[author_id])
    responded_by = relationship("User", foreign_keys=[responded_by_id])
    assigned_to = relationship("User", foreign_keys=[assigned_to_id])
    follows = relationship(
        "Question",
        remote_side="Question.id",
        foreign_keys=[follows_id],
        back_populates="follow_ups",
    )
    follow_ups = relationship(
        "Question",
        foreign_keys=[follows_id],
        back_populates="follows",
        order_by="(Question.submitted_at, Question.id)",
    )
    revisions = relationship(
        "QuestionRevision",
        foreign_keys="QuestionRevision.question_id",
        back_populates="question",
        order_by="(QuestionRevision.revised_at.desc(), QuestionRevision.id.desc())",
    )

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def topic_label(self) -> str:
        return CGMP_TOPIC_LABELS.get(self.topic, self.topic)

    @hybrid_property
    def answer_shown(self) -> bool:
        """The firm's page shows FDA's response: a written answer, or the question set
        down for (or discussed at) the meeting. The answer's documents go with it."""
        return bool(self.response_html) or self.status not in ANSWER_PENDING

    @answer_shown.inplace.expression
    @classmethod
    def _answer_shown_expression(cls):
        return or_(cls.response_html != "", cls.status.not_in(ANSWER_PENDING))

    @property
    def answer_due_at(self) -> datetime:
        """When FDA's answer is due: early enough for the firm to read it before the
        meeting (SPEC 8; ANSWER_DUE_BEFORE_MEETING)."""
        return self.meeting.starts_at - ANSWER_DUE_BEFORE_MEETING

    @property
    def taken_up(self) -> bool:
        """FDA has moved it past "received": from then on the firm cannot change it (SPEC 8)."""
        return self.status != QuestionStatus.RECEIVED


class QuestionRevision(FirmOwned, db.Model):
    """A question's text as it stood before the firm changed it, kept for FDA (SPEC 8)."""

    __tablename__ = "question_revision"
    __table_args__ = (same_firm_as("question_revision", "question", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(nullable=False, index=True)
    #: The earlier subject, topic and (sanitized) body, as FDA could read them until the change.
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    topic: Mapped[str] = mapped_column(String(32), nullable=False)
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    #: When the firm replaced this text, and who did.
    revised_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revised_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)

    question = relationship("Question", foreign_keys=[question_id], back_populates="revisions")
    revised_by = relationship("User")

    @property
    def topic_label(self) -> str:
        return CGMP_TOPIC_LABELS.get(self.topic, self.topic)


class QuestionNote(PublicIdMixin, FirmOwned, db.Model):
    """FDA's internal note on a question (SPEC 8: notes firms never see).

    A table of its own, read only by FDA pages: no firm page, export, API response
    or email to a firm renders it. It is FirmOwned, so even a firm user's query that
    reached it would be narrowed to their firm by the session; the audience split
    keeps it off firm pages altogether.
    """

    __tablename__ = "question_note"
    __table_args__ = (
        same_firm_as("question_note", "question", "question_id"),
        # Its files (portal.documents.fda_internal) point at it with its firm.
        firm_key("question_note"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(nullable=False, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    #: Sanitized HTML (portal.sanitize).
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    question = relationship("Question", foreign_keys=[question_id])
    author = relationship("User")
