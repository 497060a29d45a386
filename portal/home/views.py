"""Where each person lands after signing in."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user

from portal.security import access

bp = Blueprint("home", __name__)

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
