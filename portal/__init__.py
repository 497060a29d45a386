"""SEP Portal: the web portal for FDA's Site Engagement Program."""

from __future__ import annotations

import os
from inspect import CO_COROUTINE
from pathlib import Path
from types import FunctionType
from typing import Any

from flask import Flask

from portal.config import CONFIGS, load_or_create_secret_key, normalize_database_url

ROOT = Path(__file__).resolve().parent.parent


def import_models() -> None:
    """Every module that defines tables, so that the metadata (create_all, Alembic) is complete;
    and the listeners that keep the dashboard's and the firm home's caches honest, which must
    see every write wherever the tables are used (the app, the commands, the benchmarks)."""
    from portal import roundtrips as _roundtrips  # noqa: F401 - pings idle pooled connections
    from portal.api import models as _api  # noqa: F401
    from portal.audit import models as _audit  # noqa: F401
    from portal.auth import models as _auth  # noqa: F401
    from portal.documents import fda_internal as _internal  # noqa: F401 - FDA's, kept apart
    from portal.documents import models as _documents  # noqa: F401
    from portal.engagements import models as _engagements  # noqa: F401
    from portal.feedback import models as _feedback  # noqa: F401
    from portal.firm import freshness as _firm_freshness  # noqa: F401 - the firm pages' version
    from portal.firm import models as _firm  # noqa: F401
    from portal.imports import models as _imports  # noqa: F401
    from portal.invitations import models as _invitations  # noqa: F401
    from portal.jobs import models as _jobs  # noqa: F401
    from portal.meetings import models as _meetings  # noqa: F401
    from portal.messages import fda_notes as _notes  # noqa: F401 - FDA's notes, kept apart
    from portal.messages import models as _messages  # noqa: F401
    from portal.metrics import freshness as _freshness  # noqa: F401
    from portal.metrics import models as _metrics  # noqa: F401
    from portal.metrics import summary as _summary  # noqa: F401 - the summary triggers
    from portal.minutes import models as _minutes  # noqa: F401
    from portal.outbox import models as _outbox  # noqa: F401
    from portal.program import models as _program  # noqa: F401
    from portal.quality import models as _quality  # noqa: F401
    from portal.questions import models as _questions  # noqa: F401
    from portal.search import indexing as _search_indexing  # noqa: F401 - keeps the index
    from portal.search import models as _search  # noqa: F401
    from portal.sites import models as _sites  # noqa: F401


def _configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    env = (test_config or {}).get("PORTAL_ENV") or os.environ.get("PORTAL_ENV", "production")
    app.config.from_object(CONFIGS.get(env, CONFIGS["production"]))
    # instance/config.py may override anything (deployment-specific values).
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        database = Path(app.instance_path) / "portal.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Writers wait for each other instead of failing at once ("database is locked").
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {"timeout": 30})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or load_or_create_secret_key(
            app.instance_path
        )


def _register_blueprints(app: Flask) -> None:
    """Every blueprint, grouped by audience (portal.audiences); each audience's pages apart.

    Importing a views module registers its routes on its blueprint, so the modules
    that share one (feedback's, quality's, meetings', sites' and auth's) are imported
    together here.
    """
    from portal import audiences
    from portal.admin import views as admin
    from portal.api import blueprint as api
    from portal.api import views as api_tokens
    from portal.audit import views as audit
    from portal.auth import account_views, key_views, recovery_views, session_views  # noqa: F401
    from portal.auth import blueprints as auth
    from portal.auth import views as sign_in  # noqa: F401
    from portal.documents import fda_views as documents
    from portal.documents import firm_views as firm_documents
    from portal.engagements import views as engagements
    from portal.exports import views as exports
    from portal.feedback import admin_views as feedback_templates  # noqa: F401
    from portal.feedback import firm_views as firm_feedback
    from portal.feedback import results_views as feedback
    from portal.firm import views as firm
    from portal.home import views as home
    from portal.imports import views as imports
    from portal.invitations import public as invitation_links
    from portal.invitations import views as invitations
    from portal.meetings import fda_views as meetings
    from portal.meetings import feed_views as calendar_feed
    from portal.meetings import firm_views as firm_meetings
    from portal.messages import account_views as message_notices
    from portal.messages import fda_views as messages
    from portal.messages import firm_views as firm_messages
    from portal.metrics import views as metrics
    from portal.minutes import fda_views as minutes
    from portal.minutes import firm_views as firm_minutes
    from portal.outbox import views as outbox
    from portal.quality import fda_views as quality
    from portal.quality import firm_views as firm_quality
    from portal.questions import fda_views as questions
    from portal.questions import firm_views as firm_questions
    from portal.search import fda_views as search
    from portal.search import firm_views as firm_search
    from portal.sites import views as sites
    from portal.worklist import views as worklist

    fda = (
        worklist.bp,
        sites.bp,
        imports.bp,
        invitations.bp,
        engagements.bp,
        meetings.bp,
        minutes.bp,
        questions.bp,
        quality.bp,
        messages.bp,
        documents.bp,
        search.bp,
        feedback.bp,
        metrics.bp,
        exports.bp,
        admin.bp,
        recovery_views.bp,
        audit.bp,
        outbox.bp,
        api_tokens.bp,
    )
    firm_side = (
        firm.bp,
        firm_meetings.bp,
        firm_minutes.bp,
        firm_questions.bp,
        firm_quality.bp,
        firm_feedback.bp,
        firm_messages.bp,
        firm_documents.bp,
        firm_search.bp,
    )
    public = (auth.sign_in, invitation_links.bp, calendar_feed.bp)
    account = (home.bp, auth.account, calendar_feed.account_bp, message_notices.bp)
    for blueprint in (*public, *account, *fda, *firm_side, api.bp):
        app.register_blueprint(blueprint)
    audiences.check_audiences(app)


class PortalFlask(Flask):
    """Flask, with a quicker answer to "is this hook a coroutine function?".

    Flask asks ``inspect`` before it calls every hook and view, on every request
    (sixteen times for a kept firm home page, issue 15). For a plain function the
    answer is one flag of its code; anything else is asked as Flask asks it."""

    def ensure_sync(self, func):
        if type(func) is FunctionType and not func.__code__.co_flags & CO_COROUTINE:
            return func
        return super().ensure_sync(func)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = PortalFlask(
        __name__,
        instance_relative_config=True,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    _configure(app, test_config)
    from portal.security.cookie_sessions import KeptCookieSessionInterface

    app.session_interface = KeptCookieSessionInterface()
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from portal.security import proxies

    proxies.install(app)

    from portal.extensions import csrf, db, limiter, login_manager, mail, migrate

    import_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    from portal.security.form_tokens import check_unsafe_methods

    check_unsafe_methods(app, csrf)
    mail.init_app(app)
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = None  # sessions are versioned instead (security.hooks)

    from portal import errors, templating
    from portal.security import hooks, limits

    hooks.register(app)
    errors.register(app)
    templating.register(app)
    _register_blueprints(app)
    limits.skip_request_check_without_app_wide_limits(app)

    from portal import cli

    cli.register(app)
    return app
