"""Quality-action pages (SPEC 11): FDA's in fda_views, the firm's in firm_views; and the panels.

Importing them here registers their routes on ``bp``, which the app factory picks up.
"""

from portal.quality import fda_views, firm_views, panels  # noqa: F401
from portal.quality.blueprint import bp

__all__ = ["bp"]
