"""Meeting pages (SPEC 7). The routes live in fda_views and firm_views; panels in panels."""

from __future__ import annotations

from portal.meetings import fda_views, firm_views, panels  # noqa: F401 - registers routes, panels
from portal.meetings.blueprint import bp

__all__ = ["bp"]
