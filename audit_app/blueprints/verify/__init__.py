"""Public verification of certificates and the register of recognised centres (no login)."""
from flask import Blueprint

bp = Blueprint("verify", __name__)

from . import routes  # noqa: F401
