"""Merge a {msgid: translation} table into a .po file (maintainers' helper).

Usage: python scripts/fill_translations.py LANG TABLE.py
TABLE.py defines a dict named after LANG in upper case (e.g. DE); plural entries use
(singular, plural) tuples as keys and values. For "en" the msgids are used as they are.
Existing translations are kept unless the table gives a new one.
"""
import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def main(lang: str, table_path: str | None) -> None:
    path = ROOT / "audit_app" / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    table = runpy.run_path(table_path)[lang.upper()] if table_path else {}
    for message in catalog:
        if not message.id:
            continue
        if lang == "en":
            message.string = message.id if not isinstance(message.id, tuple) else tuple(message.id)
        elif message.id in table:
            message.string = table[message.id]
        message.flags.discard("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
