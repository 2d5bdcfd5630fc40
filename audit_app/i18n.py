"""Language selection: the user's setting, else the session's choice, else the browser, else German."""
from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_babel import lazy_gettext as _l


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def init_app(app: Flask, babel: Babel, login_manager: LoginManager) -> None:
    from . import PROJECT_ROOT

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PROJECT_ROOT / "audit_app" / "translations"),
    )
    login_manager.login_message = _l("Please sign in to open this page.")
