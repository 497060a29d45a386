"""The sites blueprint: FDA staff's pages under /sites (SPEC 1-3)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sites", __name__, url_prefix="/sites")
