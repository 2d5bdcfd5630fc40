"""Certificates inside the app: stored PDF downloads and a lead's status changes."""
from flask import Blueprint

bp = Blueprint("certificates", __name__, url_prefix="/certificates")

from . import routes  # noqa: F401
