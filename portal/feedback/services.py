"""Feedback surveys (SPEC 10). The feedback domain fills this module in."""

from __future__ import annotations


def open_survey(meeting) -> None:
    """Open the feedback survey of a meeting FDA has just marked held (SPEC 10).

    Called by portal.meetings.services in the same transaction as marking the
    meeting held. Implemented by the feedback domain.
    """
