"""Language selection: ?lang= in the URL, the user's setting, else the session's choice, else the browser, else German."""
from __future__ import annotations

from flask import Flask, current_app, g, request, session
from flask_babel import Babel, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")  # a shared link may name its language (?lang=en)
    if asked in languages:
        return asked
    if request.path.startswith("/api/"):  # API clients choose by Accept-Language alone
        return request.accept_languages.best_match(languages) or current_app.config[
            "BABEL_DEFAULT_LOCALE"
        ]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def _translations():
    """The request's translations, looked up once per request (templates call gettext often)."""
    translations = g.get("_aiz_translations")
    if translations is None:
        translations = g._aiz_translations = get_translations()
    return translations


def template_gettext(string: str) -> str:
    return _translations().ugettext(string)


def template_ngettext(singular: str, plural: str, num: int) -> str:
    return _translations().ungettext(singular, plural, num)


def init_app(app: Flask, babel: Babel, login_manager: LoginManager) -> None:
    from . import PROJECT_ROOT

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PROJECT_ROOT / "audit_app" / "translations"),
    )
    login_manager.login_message = _l("Please sign in to open this page.")
    # Jinja's new-style gettext does the escaping and %-formatting; these only translate.
    app.jinja_env.install_gettext_callables(template_gettext, template_ngettext, newstyle=True)
