"""Rendering HTML to PDF with WeasyPrint: one font configuration, one locked-down fetcher.

User text ends up in the HTML (centre names, notes). WeasyPrint's default fetcher would
connect to any host and embed any ``file://`` target, so every render goes through
:class:`SafeURLFetcher`: ``data:`` URLs and files inside the app's static folder only.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from flask import current_app, has_app_context

_lock = threading.Lock()
_font_config = None
_fetchers: dict[str, object] = {}

#: The PDF variant of every document we store (archival, allows attachments we never add).
PDF_VARIANT = "pdf/a-3b"


def _static_folder() -> str:
    return str(Path(__file__).resolve().parent.parent / "static")


def _make_fetcher_class():
    from weasyprint.urls import URLFetcher

    class SafeURLFetcher(URLFetcher):
        """Allows ``data:`` URLs and files inside ``root``; refuses everything else."""

        def __init__(self, root: str):
            super().__init__(timeout=2, allowed_protocols={"data", "file"},
                             allow_redirects=False)
            self.root = os.path.realpath(root)

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                from urllib.parse import unquote, urlsplit

                parts = urlsplit(url)
                if parts.netloc not in ("", "localhost"):
                    raise ValueError(f"refused URL: {url[:80]}")
                path = os.path.realpath(unquote(parts.path))
                if os.path.commonpath([path, self.root]) == self.root and os.path.isfile(path):
                    return super().fetch(url, headers)
            raise ValueError(f"refused URL: {url[:80]}")

    return SafeURLFetcher


def url_fetcher():
    """The process's one fetcher for the app's static folder."""
    root = _static_folder()
    with _lock:
        fetcher = _fetchers.get(root)
        if fetcher is None:
            fetcher = _fetchers[root] = _make_fetcher_class()(root)
        return fetcher


def font_config():
    """The process's one FontConfiguration (a fresh one per render leaks memory)."""
    global _font_config
    with _lock:
        if _font_config is None:
            from weasyprint.text.fonts import FontConfiguration

            _font_config = FontConfiguration()
        return _font_config


def render_pdf(html: str) -> bytes:
    """Render an HTML string to PDF bytes with the application's renderer.

    The renderer is :func:`weasyprint_pdf` unless the ``PDF_RENDERER`` setting names another
    callable (the tests inject a recording fake where the PDF is not their subject).
    """
    renderer = current_app.config.get("PDF_RENDERER") if has_app_context() else None
    return (renderer or weasyprint_pdf)(html)


def weasyprint_pdf(html: str) -> bytes:
    """Render an HTML string to PDF/A-3b bytes with WeasyPrint.

    Relative URLs resolve against the static folder; anything outside it, the network and
    other ``file://`` targets are refused (and silently left out by WeasyPrint).
    """
    import weasyprint

    base_url = Path(_static_folder()).as_uri() + "/"
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=url_fetcher())
    return document.write_pdf(font_config=font_config(), pdf_variant=PDF_VARIANT)
