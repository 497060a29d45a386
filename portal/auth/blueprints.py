"""The two blueprints of the auth package, one audience each (portal.audiences).

Sign-in, password and activation links are for anyone (``auth``); a signed-in
person's own account pages, whatever their role, are ``account``. The program
manager's sign-in recovery pages are FDA pages (``recovery_views``).
"""

from __future__ import annotations

from portal.audiences import Audience, audience_blueprint

sign_in = audience_blueprint("auth", __name__, audience=Audience.PUBLIC)
account = audience_blueprint("account", __name__, audience=Audience.ACCOUNT)
