"""Extension objects, created unbound and initialised by the app factory."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as _FlaskSession
from flask_wtf import CSRFProtect

from .models.base import Base


class Session(_FlaskSession):
    """The app's session: work queued with :func:`after_commit` runs once the transaction
    that queued it has committed, outside it (rendering a decision's PDFs), and is dropped
    when that transaction rolls back. Whoever commits — a view, the API, a command, a test —
    gets the same behaviour."""

    def commit(self) -> None:
        super().commit()
        queued = self.info.pop("after_commit", None)
        for callback in (queued or {}).values():
            callback()

    def rollback(self) -> None:
        self.info.pop("after_commit", None)
        super().rollback()


def after_commit(key: str, callback) -> None:
    """Run ``callback()`` after the current transaction commits (once per ``key``)."""
    db.session.info.setdefault("after_commit", {})[key] = callback


# A session lives for one request; objects need not be reloaded after its commit (the
# response is rendered from what was just written), which saves a query per object.
db = SQLAlchemy(model_class=Base,
                session_options={"expire_on_commit": False, "class_": Session})
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
