"""Build hook: compile the gettext catalogues (.po → .mo) into every wheel and sdist build.

The metadata lives in pyproject.toml; this file only adds the compile step, so that
``pip install .`` or a wheel gives the German interface without running ``make``.
"""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist


def compile_catalogs(root: Path) -> list[Path]:
    """Write ``messages.mo`` next to every ``messages.po`` under ``root``; returns them."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(root.glob("**/LC_MESSAGES/messages.po")):
        locale = po.parent.parent.name
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=True)
        written.append(mo)
    return written


class BuildPyWithCatalogs(build_py):
    """build_py, then the compiled catalogues inside the built package."""

    def run(self):
        super().run()
        compile_catalogs(Path(self.build_lib) / "audit_app" / "translations")


class SdistWithCatalogs(sdist):
    """sdist carries the compiled catalogues too (a wheel built from it needs no Babel step)."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        compile_catalogs(Path(base_dir) / "audit_app" / "translations")


setup(cmdclass={"build_py": BuildPyWithCatalogs, "sdist": SdistWithCatalogs})
