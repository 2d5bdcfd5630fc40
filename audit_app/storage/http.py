"""Sending a stored file as an HTTP response: streamed, with its length, an ETag from its hash.

The body is the :class:`~audit_app.storage.store.Download` itself, iterated while the request
context lives on (``stream_with_context``), so the database backend can read chunk after
chunk with the request's session. The ETag is the file's SHA-256: the same on every server,
unlike a file's modification time, so a revalidating client gets 304 from any of them.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Response, request, stream_with_context

from .store import Download


def send_download(download: Download, *, mimetype: str, filename: str,
                  as_attachment: bool = True) -> Response:
    """A streaming response of ``download`` named ``filename`` (umlauts kept via RFC 6266)."""
    response = Response(stream_with_context(iter(download)), mimetype=mimetype,
                        direct_passthrough=True)
    response.call_on_close(download.close)
    response.content_length = download.size
    response.headers["Content-Disposition"] = content_disposition(
        "attachment" if as_attachment else "inline", filename)
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(download.sha256)
    return response.make_conditional(request)


def content_disposition(kind: str, filename: str) -> str:
    """``attachment; filename="…"`` with an ASCII fallback and ``filename*`` for other names
    (the same form as Werkzeug's ``send_file``)."""
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
        simple = simple.replace("\\", "\\\\").replace('"', '\\"')
        quoted = quote(filename, safe="!#$&+^`|~")
        return f"{kind}; filename=\"{simple}\"; filename*=UTF-8''{quoted}"
    escaped = filename.replace("\\", "\\\\").replace('"', '\\"')
    return f'{kind}; filename="{escaped}"'
