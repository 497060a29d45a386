"""The JSON API for FDA information systems (token holders), apart from every web page.

Its routes live on the nested ``v1`` blueprint (``api.v1.<name>``), which has JSON
errors of its own; importing openapi and summaries registers theirs.
"""

from __future__ import annotations

from portal.api import openapi, summaries  # noqa: F401 - registers their routes on v1
from portal.api.resources import v1
from portal.audiences import Audience, audience_blueprint

bp = audience_blueprint("api", __name__, audience=Audience.API)
bp.register_blueprint(v1)
