"""Whether a centre holds the label: its status derived from its certificates.

The same rule twice, on purpose: in Python for one centre's certificates
(:func:`label_status_of`) and as SQL over all centres for lists and filters
(:func:`certificate_summary`, :func:`label_status_column`); tests keep them equal.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

import sqlalchemy as sa

from ..models import Certificate, CertificateStatus

# --------------------------------------------------------------------------------------------
# Label status


class LabelStatus(StrEnum):
    """Whether a centre holds the label today, derived from its certificates (never stored)."""

    VALID = "valid"  # a current certificate, valid for more than another 12 months
    EXPIRING = "expiring"  # a current certificate that ends within the next 12 months
    EXPIRED = "expired"  # had certificates, none current (expired, suspended, withdrawn ...)
    NEVER = "never"  # no certificate at all


#: Sort rank of the statuses: holders first, then those about to lose it, then the rest.
_LABEL_RANK = {LabelStatus.VALID: 0, LabelStatus.EXPIRING: 1, LabelStatus.EXPIRED: 2,
               LabelStatus.NEVER: 3}


def label_horizon(today: date) -> date:
    """The end of the 12-month window in which a label counts as expiring (29 Feb → 28 Feb)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def label_status_of(certificates: Iterable[Certificate], today: date) -> LabelStatus:
    """The label status from a centre's certificates, in Python (the SQL below is the same rule).

    A certificate is *current* when its stored status is VALID and
    ``valid_from <= today <= valid_until``. With a current certificate the status is VALID if
    the latest current ``valid_until`` lies after ``today`` + 12 months, else EXPIRING; with
    certificates but none current it is EXPIRED; without any it is NEVER.
    """
    certificates = list(certificates)
    current = [c.valid_until for c in certificates if c.status is CertificateStatus.VALID
               and c.valid_from <= today <= c.valid_until]
    if current:
        return LabelStatus.VALID if max(current) > label_horizon(today) else LabelStatus.EXPIRING
    return LabelStatus.EXPIRED if certificates else LabelStatus.NEVER


def certificate_summary(today: date):
    """Per centre: the latest end date among current certificates and the number of certificates."""
    current = sa.and_(
        Certificate.status == CertificateStatus.VALID,
        Certificate.valid_from <= today,
        Certificate.valid_until >= today,
    )
    return (
        sa.select(
            Certificate.centre_id.label("centre_id"),
            sa.func.max(sa.case((current, Certificate.valid_until))).label("current_until"),
            sa.func.count(Certificate.id).label("certificates"),
        )
        .group_by(Certificate.centre_id)
        .subquery("label_summary")
    )


def label_status_column(summary, today: date):
    """The label status as a SQL expression over :func:`certificate_summary` (outer-joined)."""
    return sa.case(
        (summary.c.current_until > label_horizon(today), LabelStatus.VALID.value),
        (summary.c.current_until.is_not(None), LabelStatus.EXPIRING.value),
        (summary.c.certificates > 0, LabelStatus.EXPIRED.value),
        else_=LabelStatus.NEVER.value,
    )
