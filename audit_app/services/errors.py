"""Errors that services raise for views, the API and the CLI to turn into messages."""
from __future__ import annotations


class ServiceError(Exception):
    """Base class: ``message`` is plain text for the user, ``code`` a machine code."""

    code = "error"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})


class ValidationFailed(ServiceError):
    """Input was refused; ``fields`` maps each bad field to its message. Nothing was stored."""

    code = "validation_failed"


class VersionConflict(ServiceError):
    """Someone else saved the object since it was loaded; ``current`` is their stored state."""

    code = "version_conflict"

    def __init__(self, message: str, *, current=None):
        super().__init__(message)
        self.current = current


class TransitionRefused(ServiceError):
    code = "transition_refused"

    def __init__(self, message: str, *, refusal_code: str, details: tuple[str, ...] = ()):
        super().__init__(message)
        self.refusal_code = refusal_code
        self.details = details


class StorageFailed(ServiceError):
    """A file could not be written (disk full, not writable). Nothing was recorded."""

    code = "storage_failed"


class NotFound(ServiceError):
    """The object does not exist or the user may not see it (both look the same: 404)."""

    code = "not_found"

    def __init__(self, message: str = "not found"):
        super().__init__(message)


class RenderFailed(ServiceError):
    """A PDF (certificate or report) could not be rendered; the failure is logged and, for a
    decided audit's documents, recorded so that it is retried (nothing half-stored)."""

    code = "render_failed"
    #: What went wrong, for the log and the document's record (never shown to users).
    detail = ""
