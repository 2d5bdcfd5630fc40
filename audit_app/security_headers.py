"""Security headers on every response, secure cookies, and ProxyFix when configured.

The Content-Security-Policy allows nothing inline: scripts and styles come only from our
static files (htmx is told not to inject its indicator ``<style>``, see the htmx-config
meta in templates/base.html). ``img-src data:`` is for Pico's inline SVG icons in CSS.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .request_user import loaded_request_user

CONTENT_SECURITY_POLICY = "; ".join([  # noqa: FLY002 -- one directive a line
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def configure_cookies(app: Flask) -> None:
    """HttpOnly and SameSite=Lax always; Secure when the site is served over HTTPS."""
    config = app.config
    https = config.get("PREFERRED_URL_SCHEME") == "https" or bool(config.get("SESSION_COOKIE_SECURE"))
    for prefix in ("SESSION", "REMEMBER"):
        config[f"{prefix}_COOKIE_HTTPONLY"] = True
        if config.get(f"{prefix}_COOKIE_SAMESITE") not in ("Lax", "Strict"):
            config[f"{prefix}_COOKIE_SAMESITE"] = "Lax"
        if https:
            config[f"{prefix}_COOKIE_SECURE"] = True


def configure_proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-* from as many proxies as configured (default: none)."""
    counts = {key: int(app.config.get(f"PROXY_FIX_X_{key.upper()}") or 0)
              for key in ("for", "proto", "host", "port", "prefix")}
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **{f"x_{k}": v for k, v in counts.items()})


#: What a response for a signed-in user (session or API token) may be cached as, unless
#: its view says otherwise (downloads say ``private, no-cache``): by nobody, nowhere.
SIGNED_IN_CACHE_CONTROL = "private, no-store"


def _signed_in() -> bool:
    """Whether this request's user was loaded and is signed in (never loads it: static
    files and the health check stay without a user lookup)."""
    user = loaded_request_user()
    return bool(user is not None and getattr(user, "is_authenticated", False))


def init_app(app: Flask) -> None:
    configure_cookies(app)
    configure_proxy_fix(app)

    @app.after_request
    def add_security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        # Pages and exports for a signed-in user must not stay in a shared or browser cache
        # (a shared computer, a proxy): one rule for every such response.
        if "Cache-Control" not in response.headers and _signed_in():
            response.headers["Cache-Control"] = SIGNED_IN_CACHE_CONTROL
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
