"""SEP Portal: the web portal for FDA's Site Engagement Program."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from flask import Flask

from portal.config import CONFIGS, load_or_create_secret_key, normalize_database_url

ROOT = Path(__file__).resolve().parent.parent

#: Domain packages, each with a ``views.bp`` blueprint. Registered when present,
#: so a domain arrives by adding its package.
DOMAINS = (
    "home",
    "auth",
    "admin",
    "audit",
    "outbox",
    "sites",
    "imports",
    "invitations",
    "engagements",
    "firm",
    "worklist",
    "meetings",
    "questions",
    "feedback",
    "quality",
    "metrics",
    "exports",
    "api",
    "jobs",
)


def optional_import(module_name: str):
    """The module, or None when it (or its package) does not exist yet."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        parts = module_name.split(".")
        prefixes = {".".join(parts[: i + 1]) for i in range(1, len(parts))}
        if error.name in prefixes:
            return None
        raise


def import_models() -> None:
    """Every module that defines tables, so that the metadata (create_all, Alembic) is complete;
    and the listeners that keep the dashboard's cached figures honest, which must see every
    write wherever the tables are used (the app, the commands, the benchmarks)."""
    from portal.api import models as _api  # noqa: F401
    from portal.audit import models as _audit  # noqa: F401
    from portal.auth import models as _auth  # noqa: F401
    from portal.engagements import models as _engagements  # noqa: F401
    from portal.feedback import models as _feedback  # noqa: F401
    from portal.imports import models as _imports  # noqa: F401
    from portal.invitations import models as _invitations  # noqa: F401
    from portal.jobs import models as _jobs  # noqa: F401
    from portal.meetings import models as _meetings  # noqa: F401
    from portal.metrics import freshness as _freshness  # noqa: F401
    from portal.metrics import models as _metrics  # noqa: F401
    from portal.outbox import models as _outbox  # noqa: F401
    from portal.program import models as _program  # noqa: F401
    from portal.quality import models as _quality  # noqa: F401
    from portal.questions import models as _questions  # noqa: F401
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
    for name in DOMAINS:
        module = optional_import(f"portal.{name}.views")
        if module is not None:
            app.register_blueprint(module.bp)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    _configure(app, test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from portal.security import proxies

    proxies.install(app)

    from portal.extensions import csrf, db, limiter, login_manager, mail, migrate

    import_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = None  # sessions are versioned instead (security.hooks)

    from portal import errors, templating
    from portal.security import hooks

    hooks.register(app)
    errors.register(app)
    templating.register(app)
    _register_blueprints(app)

    from portal import cli

    cli.register(app)
    return app
