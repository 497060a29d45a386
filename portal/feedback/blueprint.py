"""FDA's feedback blueprint, shared by the survey-template and results pages.

The firm's feedback pages have a blueprint of their own (``firm_views``).
"""

from portal.audiences import Audience, audience_blueprint

bp = audience_blueprint("feedback", __name__, audience=Audience.FDA)
