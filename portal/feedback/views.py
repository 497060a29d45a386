"""Feedback pages (SPEC 10): survey templates, answering, results; and the panels.

The pages live in three modules by audience; importing them here registers
their routes on ``bp``, which the app factory picks up.
"""

from portal.feedback import admin_views, firm_views, panels, results_views  # noqa: F401
from portal.feedback.blueprint import bp

__all__ = ["bp"]
