"""Forms of the conditions area: the centre's answer, one more proof, a lead's check."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import BooleanField, DateField, TextAreaField
from wtforms.validators import DataRequired, Optional

from ..forms import ServiceForm


class ResponseForm(ServiceForm):
    """The centre's answer: the cause found, the measure taken and proof files."""

    limits = {"cause": "condition.cause", "measure": "condition.measure"}
    cause = TextAreaField(_l("Cause found"), validators=[
        DataRequired(message=_l("Please describe the cause you found."))])
    measure = TextAreaField(_l("Measure taken"), validators=[
        DataRequired(message=_l("Please describe the measure you took."))])
    proofs = MultipleFileField(_l("Proof files (PDF, image, office document)"))


class ProofForm(ServiceForm):
    """One more proof for an answer that waits for its check."""

    file = FileField(_l("Proof file"), validators=[FileRequired(_l("Choose a file."))])


class AcceptForm(ServiceForm):
    """Accept the answer: the condition is fulfilled."""

    limits = {"note": "condition.note"}
    note = TextAreaField(_l("Note (optional)"))
    confirm = BooleanField(_l("The measure works: the condition is fulfilled."),
                           validators=[DataRequired(message=_l("Please confirm."))])


class RejectForm(ServiceForm):
    """Reject the answer with a reason; optionally extend the deadline with a reason."""

    limits = {"reason": "condition.note", "extension_reason": "condition.extension_reason"}
    reason = TextAreaField(_l("Why the answer is not sufficient"), validators=[
        DataRequired(message=_l("Please give a reason."))])
    new_deadline = DateField(_l("New deadline (optional)"), validators=[Optional()])
    extension_reason = TextAreaField(_l("Reason for the extension"))
