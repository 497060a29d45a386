"""The one read path for firm-owned records (STYLE "Confidentiality by construction").

A firm user's query is always narrowed to their own firm; a record of another
firm is indistinguishable from one that does not exist (404).
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, false, select

from portal.audit import services as audit
from portal.extensions import db

ModelT = TypeVar("ModelT")


def scope_to_viewer(stmt: Select, model: type) -> Select:
    """Narrow ``stmt`` over a FirmOwned ``model`` to what the signed-in user may see."""
    if not current_user.is_authenticated:
        return stmt.where(false())
    if current_user.is_fda:
        return stmt
    if current_user.is_firm_user and current_user.firm_id is not None:
        return stmt.where(model.firm_id == current_user.firm_id)
    return stmt.where(false())


def firm_scoped(model: type[ModelT], *options: Any) -> Select:
    """``select(model)`` already narrowed to the viewer's firm."""
    return scope_to_viewer(select(model).options(*options), model)


def _parse_public_id(public_id: uuid.UUID | str) -> uuid.UUID:
    if isinstance(public_id, uuid.UUID):
        return public_id
    try:
        return uuid.UUID(str(public_id))
    except ValueError:
        abort(404)


def get_owned_or_404(
    model: type[ModelT], public_id: uuid.UUID | str, *options: Any, log_view: bool = True
) -> ModelT:
    """Load a firm-owned record by public id for the viewer, or 404. Logs the view."""
    stmt = firm_scoped(model, *options).where(model.public_id == _parse_public_id(public_id))
    record = db.session.scalars(stmt).first()
    if record is None:
        abort(404)
    if log_view:
        audit.record_view(record)
    return record


def get_fda_record_or_404(model: type[ModelT], public_id: uuid.UUID | str, *options: Any) -> ModelT:
    """Load a record that only FDA pages show (sites, imports), or 404.

    Only for views under the fda_staff/fda_admin policies; a firm user never
    reaches them.
    """
    if not (current_user.is_authenticated and current_user.is_fda):
        abort(404)
    stmt = select(model).options(*options).where(model.public_id == _parse_public_id(public_id))
    record = db.session.scalars(stmt).first()
    if record is None:
        abort(404)
    return record
