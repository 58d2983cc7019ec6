"""Catalog upkeep: extract every string, update zh_Hant_TW and en, compile.

English catalogs repeat the source text, so both languages are complete and checkable.
"""

import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

LOCALES = ("zh_Hant_TW", "en")
KEYWORDS = ["-k", "_l", "-k", "lazy_pgettext:1c,2", "-k", "pgettext:1c,2"]


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def _extract(root: Path, template: Path) -> None:
    _pybabel("extract", "-F", str(root / "config" / "babel.cfg"), *KEYWORDS, "--no-location",
             "--omit-header", "--ignore-dirs", ".* __pycache__", "-o", str(template), str(root / "portal"))


def update_catalogs(root: Path, *, check: bool = False) -> list[str]:
    directory = root / "portal" / "translations"
    template = directory / "messages.pot"
    _extract(root, template)
    for locale in LOCALES:
        po_path = directory / locale / "LC_MESSAGES" / "messages.po"
        if not po_path.exists():
            _pybabel("init", "-i", str(template), "-d", str(directory), "-l", locale)
        else:
            _pybabel("update", "-i", str(template), "-d", str(directory), "-l", locale,
                     "--no-fuzzy-matching", "--ignore-obsolete")
        _tidy(po_path, locale)
    problems = catalog_problems(directory) if check else []
    _pybabel("compile", "-d", str(directory))
    return problems


def _tidy(po_path: Path, locale: str) -> None:
    """A header that is not fuzzy (or the catalog is not compiled), English filled from the source."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    catalog.project, catalog.version, catalog.fuzzy = "Consular Services Portal", "1.0", False
    catalog.copyright_holder = "Bureau of Consular Affairs"
    for message in catalog:
        if locale == "en" and message.id:
            if message.pluralizable and not all(message.string or ()):
                message.string = tuple(message.id)
            elif not message.pluralizable and not message.string:
                message.string = message.id
            message.flags.discard("fuzzy")
    with po_path.open("wb") as handle:
        write_po(handle, catalog, ignore_obsolete=True, include_previous=False, width=100)


def catalog_problems(directory: Path) -> list[str]:
    """Missing, fuzzy or broken entries in either catalog."""
    problems = []
    for locale in LOCALES:
        with (directory / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        if catalog.fuzzy:
            problems.append(f"{locale}: the header is fuzzy, so the catalog would not be compiled")
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings):
                problems.append(f"{locale}: untranslated: {message.id!r}")
            if message.fuzzy:
                problems.append(f"{locale}: fuzzy: {message.id!r}")
        for message, errors in catalog.check():
            problems.extend(f"{locale}: {message.id!r}: {error}" for error in errors)
    return problems


def uncatalogued_strings(root: Path) -> list[str]:
    """Strings in the source that a catalog does not hold yet (`make catalogs` adds them)."""
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "messages.pot"
        _extract(root, template)
        with template.open("rb") as handle:
            wanted = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(handle) if m.id}
    missing = []
    for locale in LOCALES:
        with (root / "portal" / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            held = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(handle, locale=locale)}
        missing += [f"{locale}: not in the catalog: {text!r}" for _context, text in sorted(wanted - held, key=str)]
    return missing
