"""Each measure as a table (page, CSV and API share it) and as a bar chart."""

from __future__ import annotations

from portal.metrics import figures as f
from portal.metrics.charts import BarChart, bar_chart
from portal.metrics.measures import (
    EngagementLevel,
    Feedback,
    Measures,
    Participation,
    QualityImprovement,
    RatingSummary,
)


def participation_table(p: Participation) -> f.Table:
    return f.Table(
        key="participation",
        caption="Participation: sites at each step",
        header=("Step", "Sites", "Rate", "Rate of"),
        rows=(
            ("Identified eligible (today)", f.count(p.eligible), f.Cell(None, ""), ""),
            (
                "Called by phone (any outcome)",
                f.count(p.contacted),
                f.rate(p.contacted, p.eligible),
                "identified eligible",
            ),
            (
                "Reached by phone (spoke with the site)",
                f.count(p.reached),
                f.rate(p.reached, p.contacted),
                "called",
            ),
            ("Invited by letter", f.count(p.invited), f.rate(p.invited, p.contacted), "called"),
            ("Accepted", f.count(p.accepted), f.rate(p.accepted, p.invited), "invited"),
            ("Declined", f.count(p.declined), f.rate(p.declined, p.invited), "invited"),
            (
                "No response yet",
                f.count(p.no_response),
                f.rate(p.no_response, p.invited),
                "invited",
            ),
            ("Expired (link lapsed)", f.count(p.expired), f.rate(p.expired, p.invited), "invited"),
            ("Withdrawn by FDA", f.count(p.withdrawn), f.rate(p.withdrawn, p.invited), "invited"),
        ),
        notes=(
            "Identified eligible: sites that meet the program's three criteria today (a "
            "shortage-vulnerable product, an inspection in the program's window, no open "
            "adverse regulatory action), FDA's overrides included and archived sites left out; "
            "eligibility is a state, not an event, so this is not limited to the period.",
            "Called: sites with a phone call logged in the period, whatever its outcome (a "
            "message left or no answer included). Reached: sites where a call in the period "
            "was logged as “Spoke with the site”. Invited: sites sent a letter in the "
            "period.",
            "Outcome: the decision on the latest letter sent to the site in the period. "
            "No response: the link is still open. Expired: nobody decided before the link lapsed.",
        ),
    )


def engagement_table(e: EngagementLevel) -> f.Table:
    return f.Table(
        key="engagement",
        caption="Level of engagement",
        header=("Figure", "Value"),
        rows=(
            ("Active engagements", f.count(e.active_engagements)),
            ("Meetings held", f.count(e.meetings_held)),
            ("Meetings held per active engagement", f.ratio(e.meetings_held, e.active_engagements)),
            ("Questions for the meetings held", f.count(e.questions_at_held_meetings)),
            ("Questions per meeting held", f.ratio(e.questions_at_held_meetings, e.meetings_held)),
            ("Questions submitted", f.count(e.questions_submitted)),
            ("Submitted on time", f.count(e.questions_on_time)),
            ("Share submitted on time", f.rate(e.questions_on_time, e.questions_submitted)),
            ("Questions answered in writing", f.count(e.questions_answered)),
            ("Median days from question to written answer", f.days(e.median_days_to_answer)),
        ),
        notes=(
            "Active engagements: open at any time in the period. Meetings held: held, with "
            "the start in the period. Withdrawn questions are left out throughout.",
            "On time: submitted by the meeting's standard question deadline (the same "
            "clock time 14 calendar days before the meeting, in the meeting's time zone, or the "
            "number of days in the program settings), so not needing an FDA extension. Counted "
            "over the questions submitted in the period.",
            "Days to a written answer: from submission to FDA's written response, for the "
            "questions answered in the period.",
        ),
    )


def feedback_table(fb: Feedback) -> f.Table:
    return f.Table(
        key="feedback",
        caption="Participant feedback: response rate",
        header=("Figure", "Value"),
        rows=(
            ("Surveys sent (meetings held)", f.count(fb.surveys)),
            ("People asked", f.count(fb.people_asked)),
            ("Responses", f.count(fb.responses)),
            ("Response rate", f.rate(fb.responses, fb.people_asked)),
        ),
        notes=(
            "Surveys opened in the period; each goes to the firm's active users, and everyone "
            "who answered counts as asked. One response per person per meeting.",
        ),
    )


def _distribution_header(rating: RatingSummary | None = None) -> tuple[str, ...]:
    labels = rating.labels if rating else ("",) * 5
    return tuple(f"{n} {label}".strip() for n, label in zip(range(1, 6), labels, strict=True))


def ratings_table(fb: Feedback) -> f.Table:
    return f.Table(
        key="ratings",
        caption="Participant feedback: rating questions (1 lowest to 5 highest)",
        header=("Question", "Answers", "Mean", "1", "2", "3", "4", "5"),
        rows=tuple(
            (r.prompt, f.count(r.answers), f.mean(r.mean), *(f.count(n) for n in r.distribution))
            for r in fb.ratings
        ),
        notes=("Ratings given to the surveys opened in the period.",),
    )


def quality_table(q: QualityImprovement) -> f.Table:
    return f.Table(
        key="quality",
        caption="Realized quality improvement: corrective and preventive actions",
        header=("Figure", "Value"),
        rows=(
            ("Actions opened", f.count(q.opened)),
            ("Completed by the firm", f.count(q.completed)),
            ("Verified by FDA", f.count(q.verified)),
            ("Overdue today", f.count(q.overdue)),
            ("Median days to complete", f.days(q.median_days_to_complete)),
            ("Median days from completion to verification", f.days(q.median_days_to_verify)),
        ),
        notes=(
            "Opened, completed and verified: the date of each step falls in the period. "
            "Overdue: planned or in progress with the target date passed, as of today.",
            "Days to complete: from opening to the firm's completion, for actions completed in "
            "the period. Days to verify: from completion to FDA's verification, for actions "
            "verified in the period.",
        ),
    )


def tables(m: Measures) -> dict[str, f.Table]:
    """Every dashboard table by key, in page order (the keys name the CSV exports)."""
    built = (
        participation_table(m.participation),
        engagement_table(m.engagement),
        feedback_table(m.feedback),
        ratings_table(m.feedback),
        quality_table(m.quality),
    )
    return {table.key: table for table in built}


# --- charts -----------------------------------------------------------------------------------


def participation_chart(p: Participation) -> BarChart:
    table = participation_table(p)
    return bar_chart(
        "participation",
        "Participation funnel: sites at each step",
        [(row[0], row[1].value, _with_rate(*row[1:])) for row in table.rows],
    )


def _with_rate(count_cell: f.Cell, rate_cell: f.Cell, of: str) -> str:
    """ "12 (40.0% of invited)": the bar's label says what the rate is a share of."""
    if rate_cell.value is None:
        return count_cell.text
    return f"{count_cell.text} ({rate_cell.text} of {of})"


def engagement_chart(e: EngagementLevel) -> BarChart:
    return bar_chart(
        "engagement",
        "Level of engagement: counts in the period",
        [
            ("Active engagements", e.active_engagements, f"{e.active_engagements:,}"),
            ("Meetings held", e.meetings_held, f"{e.meetings_held:,}"),
            ("Questions submitted", e.questions_submitted, f"{e.questions_submitted:,}"),
            ("Submitted on time", e.questions_on_time, f"{e.questions_on_time:,}"),
            ("Answered in writing", e.questions_answered, f"{e.questions_answered:,}"),
        ],
    )


def feedback_chart(fb: Feedback) -> BarChart:
    return bar_chart(
        "feedback",
        "Participant feedback: people asked and responses",
        [
            ("Surveys sent", fb.surveys, f"{fb.surveys:,}"),
            ("People asked", fb.people_asked, f"{fb.people_asked:,}"),
            (
                "Responses",
                fb.responses,
                _with_rate(
                    f.count(fb.responses), f.rate(fb.responses, fb.people_asked), "people asked"
                ),
            ),
        ],
    )


def rating_charts(fb: Feedback) -> list[BarChart]:
    charts = []
    for index, rating in enumerate(fb.ratings, start=1):
        bars = [
            (label, n, f"{n:,}")
            for label, n in zip(_distribution_header(rating), rating.distribution, strict=True)
        ]
        charts.append(
            bar_chart(f"rating-{index}", f"Ratings: {rating.prompt}", bars, label_width=200)
        )
    return charts


def quality_chart(q: QualityImprovement) -> BarChart:
    return bar_chart(
        "quality",
        "Quality actions: counts in the period",
        [
            ("Opened", q.opened, f"{q.opened:,}"),
            ("Completed by the firm", q.completed, f"{q.completed:,}"),
            ("Verified by FDA", q.verified, f"{q.verified:,}"),
            ("Overdue today", q.overdue, f"{q.overdue:,}"),
        ],
    )
