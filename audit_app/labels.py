"""Translated labels for the domain's enums, for templates, PDFs and messages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models.catalog import CatalogStatus
from .models.certificate import CertificateStatus
from .scoring import Outcome, Severity
from .workflow import AuditKind, AuditStatus, Decision, Role, TeamRole

LABELS = {
    AuditStatus.PLANNED: _l("planned"),
    AuditStatus.IN_PROGRESS: _l("in progress"),
    AuditStatus.SUBMITTED: _l("submitted"),
    AuditStatus.IN_REVIEW: _l("in review"),
    AuditStatus.CHANGES_REQUESTED: _l("changes requested"),
    AuditStatus.DECIDED: _l("decided"),
    AuditKind.INITIAL: _l("initial audit"),
    AuditKind.RENEWAL: _l("renewal audit"),
    Decision.AWARD: _l("award"),
    Decision.AWARD_WITH_CONDITIONS: _l("award with conditions"),
    Decision.REFUSE: _l("refuse"),
    Outcome.INCOMPLETE: _l("incomplete"),
    Outcome.REFUSE: _l("refuse"),
    Outcome.AWARD_WITH_CONDITIONS: _l("award with conditions"),
    Outcome.AWARD: _l("award"),
    Severity.MAJOR: _l("major finding"),
    Severity.MINOR: _l("minor finding"),
    Severity.OBSERVATION: _l("observation"),
    Role.ADMIN: _l("administrator"),
    Role.LEAD: _l("working-group lead"),
    Role.AUDITOR: _l("auditor"),
    Role.CONTACT: _l("centre contact"),
    TeamRole.LEAD_AUDITOR: _l("lead auditor"),
    TeamRole.AUDITOR: _l("auditor"),
    TeamRole.GUEST: _l("guest auditor"),
    CatalogStatus.DRAFT: _l("draft"),
    CatalogStatus.ACTIVE: _l("active"),
    CatalogStatus.RETIRED: _l("retired"),
    CertificateStatus.VALID: _l("valid"),
    CertificateStatus.SUSPENDED: _l("suspended"),
    CertificateStatus.WITHDRAWN: _l("withdrawn"),
    CertificateStatus.SUPERSEDED: _l("superseded"),
    CertificateStatus.INVALIDATED: _l("invalidated"),
}


def label(value) -> str:
    """The translated label of an enum member ("–" for None)."""
    if value is None:
        return "–"
    return str(LABELS.get(value, value))
