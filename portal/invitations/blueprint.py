"""The invitations blueprint, shared by FDA's letter pages and the public link pages.

The link pages carry a token in their URL, so the whole blueprint keeps tokens
out of the access log and never passes its address on as a referrer.
"""

from flask import Blueprint

from portal.invitations import logredact

bp = Blueprint("invitations", __name__)


@bp.record_once
def _keep_tokens_out_of_logs(_state) -> None:
    logredact.install()


@bp.after_request
def _no_referrer(response):
    """The link pages carry a token in their URL: never pass it on to another site."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
