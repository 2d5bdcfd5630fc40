"""Operations: the health check a load balancer or orchestrator polls."""
from flask import Blueprint

bp = Blueprint("ops", __name__)

from . import routes  # noqa: F401
