"""JSON errors for the API: a machine reading /api/v1 never gets an HTML page."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from portal.extensions import db

log = logging.getLogger(__name__)

#: Short codes a client can branch on, by HTTP status.
CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    500: "server_error",
}


class ApiError(Exception):
    """A refused API request: the status, and a message naming the parameter and the fix."""

    def __init__(self, status: int, message: str, *, parameter: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter


def error_response(status: int, message: str, parameter: str | None = None):
    body = {"error": CODES.get(status, "error"), "message": message}
    if parameter:
        body["parameter"] = parameter
    response = jsonify(body)
    response.status_code = status
    return response


def is_api_path() -> bool:
    return request.path.startswith("/api/")


def register(v1: Blueprint) -> None:
    """Error handlers for the API blueprint, and for unmatched /api/ paths app-wide.

    Flask never hands a routing error (no such URL, wrong method) to a
    blueprint's handler, so 404 and 405 are answered app-wide: JSON under
    /api/, and the portal's own error page everywhere else.
    """

    @v1.errorhandler(ApiError)
    def refused(error: ApiError):
        return error_response(error.status, error.message, error.parameter)

    @v1.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(error.code or 500, error.description or "")

    @v1.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        log.exception("unhandled API error on %s", request.full_path)
        return error_response(500, "The error has been logged. Try again in a few minutes.")

    def routing_error(error: HTTPException):
        if is_api_path():
            message = {
                404: "No such API resource. The document is at /api/v1/openapi.json.",
                405: "The API is read-only: use GET.",
            }[error.code]
            return error_response(error.code, message)
        from portal.errors import handle_http_error

        return handle_http_error(error)

    v1.app_errorhandler(404)(routing_error)
    v1.app_errorhandler(405)(routing_error)
