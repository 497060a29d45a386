"""The quality blueprint, shared by FDA's and the firm's pages."""

from flask import Blueprint

bp = Blueprint("quality", __name__)
