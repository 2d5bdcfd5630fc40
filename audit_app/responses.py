"""Responses the pages and the API share."""
from __future__ import annotations

from flask import Response


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF download: attachment under ``filename``, private to the signed-in user, revalidated."""
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response
