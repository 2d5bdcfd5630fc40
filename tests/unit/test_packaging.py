"""A wheel of the app carries the compiled German and English catalogues (issue 13, item 9).

Built from a copy of the project without build isolation (no network), the way pip builds
``pip install .``: setup.py compiles every ``messages.po`` into ``messages.mo``.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_contains_the_compiled_catalogues(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "audit_app", source / "audit_app",
                    ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.pyc"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--quiet", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("audit_app-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for lang in ("de", "en"):
        assert f"audit_app/translations/{lang}/LC_MESSAGES/messages.mo" in names
    from babel.messages.mofile import read_mo

    with zipfile.ZipFile(wheel).open("audit_app/translations/de/LC_MESSAGES/messages.mo") as fh:
        catalog = read_mo(fh)
    assert catalog.get("Save") is not None and catalog["Save"].string == "Speichern"
