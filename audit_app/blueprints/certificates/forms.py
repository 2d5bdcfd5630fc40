from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from ..forms import ServiceForm


class StatusChangeForm(ServiceForm):
    """Suspend, withdraw or reinstate: a written reason is required."""

    limits = {"reason": "certificate.reason"}
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(message=_l("Please give a reason."))])
