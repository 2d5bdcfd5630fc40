from flask import Blueprint

bp = Blueprint("centres", __name__, url_prefix="/centres")

from . import routes  # noqa: F401
