"""Load a large program history for the dashboard benchmark: 10,000 sites, 50,000 meetings,
500,000 questions (and the invitations, engagements, surveys and actions around them).

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python benchmarks/seed_large.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test_metrics \\
        .venv/bin/python benchmarks/seed_large.py

It empties the database it is given (drop_all, create_all): never point it at a
database whose data matters, nor at a test database someone else is using.
Rows go in with multi-row Core inserts in batches; the history is random but
seeded, so every run loads the same data.

Questions, answers and actions have varied words (a Zipf-like draw from a CGMP vocabulary
and a long tail of rarer words), so that the search benchmark (benchmarks/search.py) finds
some words everywhere and others rarely, as in a real program. Bulk inserts bypass the
search index's session listener, so the index is rebuilt at the end (`flask search
reindex`'s code), and its time is reported; SEED_SKIP_SEARCH=1 skips it (12-20 minutes at
full scale) when only the dashboard will be measured.

The dashboard's summary triggers
(portal.metrics.summary) are off while the rows go in and the summary is filled
once at the end, as the migration that created it does: a row-by-row trigger
would triple the loading time.
"""

from __future__ import annotations

import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.auth import totp  # noqa: E402
from portal.auth.models import Firm, Role, User, UserStatus  # noqa: E402
from portal.engagements.models import Engagement  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.feedback.models import (  # noqa: E402
    FeedbackAnswer,
    FeedbackResponse,
    MeetingSurvey,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyTemplate,
)
from portal.invitations.models import Invitation, InvitationStatus  # noqa: E402
from portal.meetings.models import Meeting, MeetingMode, MeetingStatus  # noqa: E402
from portal.metrics import summary  # noqa: E402
from portal.quality.models import ActionKind, ActionStatus, QualityAction  # noqa: E402
from portal.questions.models import CGMP_TOPICS, Question, QuestionStatus  # noqa: E402
from portal.search.indexing import rebuild  # noqa: E402
from portal.sites.models import (  # noqa: E402
    ContactLog,
    ContactOutcome,
    Inspection,
    InspectionClassification,
    Product,
    Site,
)

SITES = 10_000
ENGAGEMENTS = 2_000
MEETINGS_PER_ENGAGEMENT = 25  # 50,000 meetings
QUESTIONS_PER_MEETING = 10  # 500,000 questions
BATCH = 10_000
#: The history spans FY2020 to FY2026.
START = datetime(2019, 10, 1, tzinfo=UTC)
SPAN_DAYS = 7 * 365

#: The benchmark's FDA account (signed in by benchmarks/dashboard.py).
BENCH_EMAIL = "bench@fda.example.gov"
TOPICS = [value for value, _label in CGMP_TOPICS]


#: Common words first: a word's weight falls with its rank (Zipf), so "validation" is in
#: most texts and a tail word in a few dozen.
COMMON_WORDS = (
    "the of and to a in we for is on our that with be are as this at by or from an it "
    "should how does can what when which would must do under need if during each any "
    "validation cleaning process batch quality line product data equipment sterile "
    "aseptic media fill fills filling testing stability microbial contamination "
    "deviation investigation change control supplier audit label labeling packaging "
    "water system environmental monitoring grade room cleanroom airflow smoke study "
    "protocol report sampling limit limits specification method analytical assay "
    "impurity residue swab rinse hold time temperature humidity storage shipping "
    "release review record records electronic audit trail integrity computerized "
    "qualification calibration maintenance preventive corrective action capa risk "
    "assessment annual trend complaint recall training operator gowning disinfectant "
    "lyophilizer autoclave isolator vial stopper endotoxin bioburden sterility "
    "container closure extractables leachables excipient api intermediate site"
).split()
_SYLLABLES = "ka lo mi nu pe ra si tu vo xe ba do fi gu hy ja ko le mo ne pi qu re so ti".split()


def vocabulary(rng: random.Random, tail: int = 20_000) -> tuple[list[str], list[float]]:
    words = list(COMMON_WORDS)
    seen = set(words)
    while len(words) < len(COMMON_WORDS) + tail:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(3, 5)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return words, cumulative


def sentence(rng: random.Random, words_and_weights, count: int) -> str:
    words, cumulative = words_and_weights
    return " ".join(rng.choices(words, cum_weights=cumulative, k=count))


def moment(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))


def put(model, rows: list[dict]) -> None:
    for first in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[first : first + BATCH])
    db.session.commit()


def seed() -> dict[str, int]:
    rng = random.Random(2025)  # noqa: S311 - benchmark data, not secrets
    now = datetime.now(UTC)
    db.drop_all()
    db.create_all()
    dialect = db.engine.dialect.name
    for statement in summary.DROP[dialect]():
        db.session.execute(text(statement))
    fda = User(
        email=BENCH_EMAIL,
        full_name="Benchmark",
        role=Role.FDA_STAFF,
        status=UserStatus.ACTIVE,
        activated_at=now,
        # FDA roles must have a second factor; the benchmark signs in around the forms.
        totp_secret=totp.new_secret(),
    )
    db.session.add(fda)
    db.session.flush()
    template = SurveyTemplate(name="After-meeting feedback", is_default=True)
    db.session.add(template)
    db.session.flush()
    rating_question = SurveyQuestion(
        template_id=template.id,
        position=1,
        kind=SurveyQuestionKind.RATING,
        prompt="How clear were FDA's expectations?",
        rating_labels='["Not clear", "Slightly clear", "Fairly clear", "Clear", "Very clear"]',
    )
    db.session.add(rating_question)
    db.session.commit()

    put(
        Site,
        [
            dict(
                id=n,
                public_id=uuid.uuid4(),
                fei_number=str(3_000_000_000 + n),
                legal_name=f"Bench Site {n}",
                country="United States",
            )
            for n in range(1, SITES + 1)
        ],
    )
    put(
        Product,
        [
            dict(
                public_id=uuid.uuid4(),
                site_id=n,
                name=f"Product {n}",
                shortage_vulnerable=n % 3 != 0,
            )
            for n in range(1, SITES + 1)
        ],
    )
    put(
        Inspection,
        [
            dict(
                site_id=n,
                fda_inspection_id=str(1_000_000 + n),
                end_date=(datetime(2016, 10, 1) + timedelta(days=rng.randrange(900))).date(),
                fiscal_year=2017,
                classification=InspectionClassification.VAI,
            )
            for n in range(1, SITES + 1)
        ],
    )
    put(
        ContactLog,
        [
            dict(
                public_id=uuid.uuid4(),
                site_id=n,
                called_at=moment(rng),
                caller_id=fda.id,
                outcome=ContactOutcome.REACHED,
            )
            for n in range(1, SITES + 1)
        ],
    )
    statuses = list(InvitationStatus)
    invitations = []
    for n in range(1, SITES // 2 + 1):
        sent = moment(rng)
        invitations.append(
            dict(
                id=n,
                public_id=uuid.uuid4(),
                site_id=n,
                recipients=f"site{n}@example.com",
                token_hash=uuid.uuid4().hex + uuid.uuid4().hex,
                status=InvitationStatus.ACCEPTED if n <= ENGAGEMENTS else rng.choice(statuses),
                sent_at=sent,
                expires_at=sent + timedelta(days=30),
                sent_by_id=fda.id,
            )
        )
    put(Invitation, invitations)
    put(
        Firm,
        [
            dict(id=n, public_id=uuid.uuid4(), name=f"Bench Firm {n}")
            for n in range(1, ENGAGEMENTS + 1)
        ],
    )
    put(
        User,
        [
            dict(
                id=fda.id + n,
                public_id=uuid.uuid4(),
                email=f"lead{n}@firm.example.com",
                full_name=f"Lead {n}",
                role=Role.FIRM_ADMIN,
                firm_id=n,
                status=UserStatus.ACTIVE,
            )
            for n in range(1, ENGAGEMENTS + 1)
        ],
    )
    put(
        Engagement,
        [
            dict(
                id=n,
                public_id=uuid.uuid4(),
                firm_id=n,
                site_id=n,
                invitation_id=n,
                opened_at=invitations[n - 1]["sent_at"] + timedelta(days=10),
            )
            for n in range(1, ENGAGEMENTS + 1)
        ],
    )

    meetings, questions, surveys, responses, answers = [], [], [], [], []
    meeting_id = 0
    words = vocabulary(random.Random(13))
    # Texts draw from their own generator: the rest of the history (dates, statuses) stays
    # what it was before the texts varied, so the dashboard's figures do not move.
    texts = random.Random(7)  # noqa: S311 - benchmark data, not secrets
    for engagement in range(1, ENGAGEMENTS + 1):
        for _ in range(MEETINGS_PER_ENGAGEMENT):
            meeting_id += 1
            starts = moment(rng)
            held = starts < now and rng.random() < 0.9
            meetings.append(
                dict(
                    id=meeting_id,
                    public_id=uuid.uuid4(),
                    firm_id=engagement,
                    engagement_id=engagement,
                    starts_at=starts,
                    timezone="America/New_York",
                    mode=MeetingMode.VIDEO,
                    status=MeetingStatus.HELD if held else MeetingStatus.SCHEDULED,
                    scheduled_by_id=fda.id,
                )
            )
            for _ in range(QUESTIONS_PER_MEETING):
                submitted = starts - timedelta(hours=rng.randrange(200, 900))
                answered = rng.random() < 0.5
                questions.append(
                    dict(
                        public_id=uuid.uuid4(),
                        firm_id=engagement,
                        meeting_id=meeting_id,
                        engagement_id=engagement,
                        author_id=fda.id + engagement,
                        subject=sentence(texts, words, texts.randint(3, 8)).capitalize(),
                        topic=texts.choice(TOPICS),
                        body_html=f"<p>{sentence(texts, words, texts.randint(20, 60))}?</p>",
                        response_html=f"<p>{sentence(texts, words, texts.randint(15, 50))}.</p>"
                        if answered
                        else "",
                        status=QuestionStatus.ANSWERED_IN_WRITING
                        if answered
                        else QuestionStatus.RECEIVED,
                        submitted_at=submitted,
                        responded_at=submitted + timedelta(hours=rng.randrange(24, 600))
                        if answered
                        else None,
                    )
                )
            if held:
                surveys.append(
                    dict(
                        id=meeting_id,
                        public_id=uuid.uuid4(),
                        firm_id=engagement,
                        meeting_id=meeting_id,
                        template_id=template.id,
                        opened_at=starts + timedelta(hours=2),
                        closes_at=starts + timedelta(days=30),
                    )
                )
                if rng.random() < 0.7:
                    responses.append(
                        dict(
                            id=meeting_id,
                            public_id=uuid.uuid4(),
                            firm_id=engagement,
                            survey_id=meeting_id,
                            user_id=fda.id + engagement,
                            submitted_at=starts + timedelta(days=1),
                        )
                    )
                    answers.append(
                        dict(
                            response_id=meeting_id,
                            question_id=rating_question.id,
                            rating=rng.randint(1, 5),
                        )
                    )
    put(Meeting, meetings)
    put(Question, questions)
    put(MeetingSurvey, surveys)
    put(FeedbackResponse, responses)
    put(FeedbackAnswer, answers)
    action_statuses = list(ActionStatus)
    actions = []
    for n in range(10_000):
        created = moment(rng)
        status = rng.choice(action_statuses)
        done = status in (ActionStatus.COMPLETED, ActionStatus.VERIFIED)
        actions.append(
            dict(
                public_id=uuid.uuid4(),
                firm_id=n % ENGAGEMENTS + 1,
                engagement_id=n % ENGAGEMENTS + 1,
                kind=ActionKind.CORRECTIVE,
                description=sentence(texts, words, texts.randint(6, 20)).capitalize() + ".",
                status=status,
                closed_reason="No longer needed." if status == ActionStatus.CLOSED else "",
                target_date=(created + timedelta(days=90)).date(),
                created_by_id=fda.id,
                created_at=created,
                completed_at=created + timedelta(days=rng.randrange(5, 120)) if done else None,
                verified_at=created + timedelta(days=rng.randrange(120, 200))
                if status == ActionStatus.VERIFIED
                else None,
            )
        )
    put(QualityAction, actions)
    indexing_started = time.perf_counter()
    # The index takes 12-20 minutes at full scale and only search reads it: a dashboard
    # benchmark can skip it.
    indexed = {} if os.environ.get("SEED_SKIP_SEARCH") else rebuild(db.session.connection())
    db.session.commit()
    indexing_seconds = time.perf_counter() - indexing_started
    for statement in summary.rebuild_statements(dialect) + summary.CREATE[dialect]():
        db.session.execute(text(statement))
    db.session.commit()
    return {
        "sites": SITES,
        "engagements": ENGAGEMENTS,
        "meetings": len(meetings),
        "questions": len(questions),
        "surveys": len(surveys),
        "feedback responses": len(responses),
        "quality actions": len(actions),
        "search entries": sum(indexed.values()),
        "seconds to index them (flask search reindex)": round(indexing_seconds),
    }


def main() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Set DATABASE_URL to the database to fill (it will be emptied first).")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PORTAL_ENV": "development"})
    started = time.perf_counter()
    with app.app_context():
        counts = seed()
    print(f"Loaded in {time.perf_counter() - started:.1f} s into {url.split('@')[-1]}:")
    for name, count in counts.items():
        print(f"  {count:>9,} {name}")


if __name__ == "__main__":
    main()
