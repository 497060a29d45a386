"""The auth blueprint, shared by the sign-in, account, security-key and session views."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
