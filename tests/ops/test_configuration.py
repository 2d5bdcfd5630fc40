"""A bad configuration stops gunicorn at start-up with a clear message, not requests later."""
from __future__ import annotations

import pytest

from benchmarks import load

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("variable, value, message", [
    ("AUDIT_APP_PAGE_SIZE", "abc", "PAGE_SIZE = 'abc': expected a whole number from 1 to 1000"),
    ("AUDIT_APP_BASE_URL", "http://127.0.0.1:5000",
     "BASE_URL 'http://127.0.0.1:5000' cannot be used in production"),
])
def test_gunicorn_refuses_to_start_and_says_why(tmp_path, variable, value, message):
    instance = tmp_path / "instance"
    instance.mkdir()
    with pytest.raises(RuntimeError, match="did not start") as refused:  # noqa: SIM117
        with load.gunicorn(instance, f"sqlite:///{instance / 'app.db'}", workers=1,
                           extra_env={variable: value}):
            pass
    assert message in str(refused.value)
    assert "The configuration is not valid, so the app does not start" in str(refused.value)
