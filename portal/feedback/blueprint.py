"""The feedback blueprint, shared by the admin, firm and results views."""

from flask import Blueprint

bp = Blueprint("feedback", __name__)
