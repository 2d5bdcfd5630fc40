"""Conditions (Auflagen): the lists, one condition's page, the centre's answer, a lead's check."""
from flask import Blueprint

bp = Blueprint("conditions", __name__, url_prefix="/conditions")

from . import routes  # noqa: F401, E402
