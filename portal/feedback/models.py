"""Post-meeting feedback: versioned survey templates and firms' responses (SPEC 10)."""

from __future__ import annotations

import enum
import json
import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
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


class SurveyTemplate(PublicIdMixin, TimestampMixin, db.Model):
    """One version of a survey. Editing makes a new version; sent surveys keep theirs."""

    __tablename__ = "survey_template"
    __table_args__ = (UniqueConstraint("lineage", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Shared by every version of the same template.
    lineage: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, default=uuid.uuid4)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: The template new surveys are made from.
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Set when a newer version replaces this one.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="template", order_by="SurveyQuestion.position"
    )


class SurveyQuestionKind(enum.StrEnum):
    RATING = "rating"  # 1-5, a label at each point
    YES_NO = "yes_no"
    TEXT = "text"


class SurveyQuestion(db.Model):
    __tablename__ = "survey_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("survey_template.id"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[SurveyQuestionKind] = mapped_column(
        string_enum(SurveyQuestionKind, "survey_question_kind"), nullable=False
    )
    prompt: Mapped[str] = mapped_column(String(300), nullable=False)
    help_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: For ratings: JSON list of five labels, for 1 to 5.
    rating_labels: Mapped[str] = mapped_column(Text, nullable=False, default="[]")

    template: Mapped[SurveyTemplate] = relationship(back_populates="questions")

    @property
    def labels(self) -> list[str]:
        """The five rating labels, for 1 to 5 ("" where the admin gave none)."""
        try:
            stored = json.loads(self.rating_labels or "[]")
        except ValueError:
            stored = []
        labels = [str(label) for label in stored if isinstance(label, str)][:5]
        return labels + [""] * (5 - len(labels))


class MeetingSurvey(PublicIdMixin, FirmOwned, db.Model):
    """The survey opened when FDA marks a meeting held."""

    __tablename__ = "meeting_survey"
    __table_args__ = (
        firm_key("meeting_survey"),
        same_firm_as("meeting_survey", "meeting", "meeting_id"),
        Index("ix_meeting_survey_changed_at_public_id", "changed_at", "public_id"),
        # The dashboard's surveys opened in a period, with the firm whose people were asked.
        Index("ix_meeting_survey_opened_at", "opened_at", "firm_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(unique=True, nullable=False)
    #: The template version this survey was sent with; never changes afterwards.
    template_id: Mapped[int] = mapped_column(ForeignKey("survey_template.id"), nullable=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: The latest of opened_at and its responses' updated_at: what the API lists feedback
    #: summaries by. Kept by database triggers (portal.api.site_changes).
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting = relationship("Meeting", foreign_keys=[meeting_id])
    template = relationship("SurveyTemplate")


class FeedbackResponse(PublicIdMixin, TimestampMixin, FirmOwned, db.Model):
    """One firm user's answers to one meeting's survey."""

    __tablename__ = "feedback_response"
    __table_args__ = (
        UniqueConstraint("survey_id", "user_id"),
        same_firm_as("feedback_response", "meeting_survey", "survey_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    survey = relationship("MeetingSurvey", foreign_keys=[survey_id])
    user = relationship("User")
    answers: Mapped[list[FeedbackAnswer]] = relationship(back_populates="response")


class FeedbackAnswer(db.Model):
    """One answer; exactly one of rating, yes_no or text is set, by the question's kind."""

    __tablename__ = "feedback_answer"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_in_scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_response.id"), nullable=False, index=True
    )
    #: Indexed: the program-wide results group every answer by its question.
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_question.id"), nullable=False, index=True
    )
    rating: Mapped[int | None] = mapped_column(Integer)
    yes_no: Mapped[bool | None] = mapped_column(Boolean)
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[FeedbackResponse] = relationship(back_populates="answers")
    question = relationship("SurveyQuestion")
