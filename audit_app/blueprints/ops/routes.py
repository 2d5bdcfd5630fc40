import logging

import sqlalchemy as sa
from flask import jsonify

from ...extensions import db
from . import bp

log = logging.getLogger(__name__)


@bp.route("/healthz")
def healthz():
    """200 when the database answers ``SELECT 1``, 503 otherwise; no sign-in, no cookie."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    except sa.exc.SQLAlchemyError as exc:
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:
            pass
        log.warning("health check: database unavailable (%s)", type(exc).__name__)
        response = jsonify(status="error", database="unavailable")
        response.status_code = 503
    else:
        response = jsonify(status="ok", database="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
