"""Where each person lands after signing in."""

from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from portal.audiences import Audience, audience_blueprint
from portal.forms import DEFAULT_TEXT_MAX, text_problem
from portal.sanitize import clean_html
from portal.security import access

bp = audience_blueprint("home", __name__, audience=Audience.ACCOUNT)

#: Endpoints that, once their domains exist, serve as each side's home page.
FDA_HOME = "worklist.index"
FIRM_HOME = "firm.home"


@bp.route("/")
@access.signed_in
def index():
    home = FDA_HOME if current_user.is_fda else FIRM_HOME
    if home in current_app.view_functions:
        return redirect(url_for(home))
    return render_template("home/index.html")


@bp.route("/formatting/preview", methods=["POST"])
@access.signed_in
def formatting_preview():
    """What a formatted text will look like, through the same sanitizer that stores it.

    The toolbar's Preview button asks here (issue 16), so the preview can never
    show something the saved text would not.
    """
    text = request.form.get("text", "")
    problem = text_problem(text, multiline=True, max_length=DEFAULT_TEXT_MAX * 2)
    if problem:
        return jsonify(error=problem), 400
    return jsonify(html=clean_html(text))
