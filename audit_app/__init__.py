"""Audits and certificates for the quality label "Anerkanntes Innovationszentrum"."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from . import settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error pages, commands."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=os.environ.get("AUDIT_APP_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
    )
    configure(app, test_config)
    register_logging(app)
    register_security(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


class ConfigurationError(RuntimeError):
    """The configuration is unusable; the message says what to set."""


def configure(app: Flask, test_config: dict | None) -> None:
    """Defaults → instance/config.py → AUDIT_APP_* environment variables → test dict."""
    app.config.from_object("audit_app.config")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("AUDIT_APP")
    if test_config:
        app.config.from_mapping(test_config)
    app.config["CRITERIA_FOLDER"] = app.config["CRITERIA_FOLDER"] or str(PROJECT_ROOT / "criteria")
    app.config["FILES_FOLDER"] = app.config["FILES_FOLDER"] or os.path.join(
        app.instance_path, "files"
    )
    if not app.config.get("SECRET_KEY") and app.config.get("ENV") == "development":
        app.config["SECRET_KEY"] = _development_secret_key(app.instance_path)
    # Every setting's type and range, and production's requirements (audit_app/settings.py):
    # a bad value stops the start here instead of failing requests later.
    if problems := settings.validate(app.config):
        raise ConfigurationError(settings.describe(problems))
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("pool_pre_ping", True)


def _development_secret_key(instance_path: str) -> str:
    """Generate a key once into the instance folder, so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def register_logging(app: Flask) -> None:
    from . import logging_setup

    logging_setup.init_app(app)


def register_security(app: Flask) -> None:
    from . import security_headers

    security_headers.init_app(app)


def register_extensions(app: Flask) -> None:
    from . import db_setup, i18n
    from .extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    db_setup.configure_engine(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    login_manager.login_message_category = "info"
    i18n.init_app(app, babel, login_manager)

    from .blueprints.auth.identity import load_user

    # Every request loads its user through its server-side session (one query with the
    # roles joined in): audit_app/services/sessions.py.
    login_manager.user_loader(load_user)


def register_blueprints(app: Flask) -> None:
    from .blueprints.admin import bp as admin_bp
    from .blueprints.applications import bp as applications_bp
    from .blueprints.audits import bp as audits_bp
    from .blueprints.auth import bp as auth_bp
    from .blueprints.centres import bp as centres_bp
    from .blueprints.certificates import bp as certificates_bp
    from .blueprints.conditions import bp as conditions_bp
    from .blueprints.main import bp as main_bp
    from .blueprints.ops import bp as ops_bp
    from .blueprints.verify import bp as verify_bp

    for bp in (main_bp, auth_bp, centres_bp, audits_bp, applications_bp, conditions_bp, admin_bp,
               certificates_bp, verify_bp, ops_bp):
        app.register_blueprint(bp)
    from .api import bp as api_bp  # JSON API v1: bearer tokens, no CSRF, JSON errors

    app.register_blueprint(api_bp)


def register_errorhandlers(app: Flask) -> None:
    from . import db_unavailable, errors

    errors.init_app(app)
    db_unavailable.init_app(app)


def register_template_helpers(app: Flask) -> None:
    from . import permissions, templating

    templating.init_app(app)
    permissions.init_app(app)


def register_commands(app: Flask) -> None:
    from . import cli, cli_ops
    from .storage import cli as storage_cli

    cli.init_app(app)
    cli_ops.init_app(app)
    storage_cli.init_app(app)
