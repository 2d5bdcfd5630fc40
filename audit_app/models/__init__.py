"""The data model: one module per aggregate. Import from here."""
from .application import (  # noqa: F401
    AuditApplication,
    CatalogQuestionnaire,
    CentreDocument,
    DocumentReview,
    DocumentReviewStatus,
    KeyFigureRecord,
    QuestionnaireAnswer,
    SelfAssessment,
)
from .audit import Assessment, Audit, AuditMember, Evidence  # noqa: F401
from .base import Base, utcnow  # noqa: F401
from .catalog import (  # noqa: F401
    CatalogCategory,
    CatalogCriterion,
    CatalogLockedError,
    CatalogStatus,
    CatalogVersion,
)
from .centre import FEDERAL_STATES, Centre  # noqa: F401
from .certificate import (  # noqa: F401
    SUSPENDED_FOR_CONDITIONS,
    Certificate,
    CertificateStatus,
    PublicStatus,
)
from .condition import (  # noqa: F401
    Condition,
    ConditionProof,
    ConditionReminderSent,
    ConditionResponse,
    ConditionState,
    ConditionStatus,
    ResponseOutcome,
)
from .document import DocumentJob, DocumentKind, DocumentState  # noqa: F401
from .event import AppendOnlyError, Event, EventAction  # noqa: F401
from .reminder import ReminderSent  # noqa: F401
from .report import AuditReport  # noqa: F401
from .security import LoginAttempt, UserSession  # noqa: F401
from .storage import FileChunk, StoredFile  # noqa: F401
from .token import ApiToken  # noqa: F401
from .user import User, UserRole  # noqa: F401
