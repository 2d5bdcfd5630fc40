from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class StatusChangeForm(FlaskForm):
    """Suspend, withdraw or reinstate: a written reason is required."""

    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(message=_l("Please give a reason.")), Length(max=2000)])
