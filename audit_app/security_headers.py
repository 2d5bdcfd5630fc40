"""Security headers on every response, secure cookies, and ProxyFix when configured.

The Content-Security-Policy allows nothing inline: scripts and styles come only from our
static files (htmx is told not to inject its indicator ``<style>``, see the htmx-config
meta in templates/base.html). ``img-src data:`` is for Pico's inline SVG icons in CSS.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

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


def init_app(app: Flask) -> None:
    configure_cookies(app)
    configure_proxy_fix(app)

    @app.after_request
    def add_security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
