"""FDA's quality-action blueprint; the firm's pages have their own (``firm_views``)."""

from portal.audiences import Audience, audience_blueprint

bp = audience_blueprint("quality", __name__, audience=Audience.FDA)
