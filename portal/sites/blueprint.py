"""The sites blueprint: FDA staff's pages under /sites (SPEC 1-3)."""

from __future__ import annotations

from portal.audiences import Audience, audience_blueprint

bp = audience_blueprint("sites", __name__, audience=Audience.FDA, url_prefix="/sites")
