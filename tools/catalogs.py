"""The message catalogs: which package owns which strings, extracting them, updating and compiling the catalogs.

Each feature owns the strings it marks, in `mfo/<feature>/translations/`; the site's own catalog,
`mfo/translations/`, holds the rest (the core services, the shared templates). `make messages`
runs `python -m tools.catalogs update` and `make translations` runs `python -m tools.catalogs
compile`; tests/test_i18n.py checks every catalog listed here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mfo"
LOCALES = ("fr",)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "pgettext": ((1, "c"), 2)}
PROJECT = "mfo"
COPYRIGHT = "The mfo contributors"


@dataclass(frozen=True)
class Owner:
    """A package that owns a catalog: the folder whose strings it holds, its catalog folder, folders left out."""

    name: str
    source: Path
    excluded: tuple[Path, ...] = ()

    @property
    def translations(self) -> Path:
        """Return the folder of this package's catalogs."""
        return self.source / "translations"


def owners(features: Sequence[str] | None = None) -> list[Owner]:
    """Return the site's own catalog owner, then one per installed feature (mfo.features.FEATURES)."""
    from mfo import features as installed

    names = installed.FEATURES if features is None else features
    feature_dirs = tuple(installed.package_dir(name) for name in names)
    site = Owner("mfo", PACKAGE, excluded=feature_dirs)
    return [site, *(Owner(name, path) for name, path in zip(names, feature_dirs, strict=True))]


def extract(owner: Owner) -> Catalog:
    """Return the strings marked for translation in the owner's folder (not in the folders it leaves out)."""
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    excluded = {path.resolve() for path in owner.excluded}

    def keep(dirpath: str) -> bool:
        path = Path(dirpath).resolve()
        return path not in excluded and path.name not in ("translations", "static", "__pycache__")

    template = Catalog(project=PROJECT, copyright_holder=COPYRIGHT, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(owner.source), method_map, options_map, keywords=KEYWORDS, directory_filter=keep
    ):
        location = (str((owner.source / filename).relative_to(ROOT)), lineno)
        template.add(message, None, [location], auto_comments=comments, context=context)
    return template


def po_path(owner: Owner, locale: str) -> Path:
    """Return the path of the owner's catalog for `locale`."""
    return owner.translations / locale / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    """Read a .po or .pot file."""
    with open(path, "rb") as handle:
        return read_po(handle, locale=locale)


def update(owner: Owner) -> list[str]:
    """Write the owner's messages.pot and merge it into each locale's catalog; return what changed."""
    template = extract(owner)
    if not len(template):
        return []
    owner.translations.mkdir(parents=True, exist_ok=True)
    with open(owner.translations / "messages.pot", "wb") as handle:
        write_po(handle, template, sort_by_file=True, omit_header=False)
    report = []
    for locale in LOCALES:
        path = po_path(owner, locale)
        if path.exists():
            catalog = read_catalog(path, locale)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=locale, project=PROJECT, copyright_holder=COPYRIGHT)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.revision_date = datetime.now(UTC)
        with open(path, "wb") as handle:
            write_po(handle, catalog, sort_by_file=True, ignore_obsolete=True)
        missing = [m.id for m in catalog if m.id and not m.string]
        report.append(f"{path.relative_to(ROOT)}: {len(missing)} to translate")
    return report


# Catalogs compiled under a second gettext domain too. The admin feature's catalog also serves as
# Flask-Admin's "admin" domain (mfo.admin.admin passes its folder as Admin's translations_path):
# Flask-Admin reads it before its own catalog, so ours fills the strings its French catalog lacks.
EXTRA_DOMAINS = {"admin": ("admin",)}


def compile_all(root: Path = PACKAGE) -> list[str]:
    """Compile every catalog under `root` (.po -> .mo); return one line per catalog."""
    lines = []
    for path in sorted(root.rglob("translations/*/LC_MESSAGES/messages.po")):
        catalog = read_catalog(path, path.parent.parent.name)
        package = path.parents[3].name
        for domain in ("messages", *EXTRA_DOMAINS.get(package, ())):
            with open(path.with_name(f"{domain}.mo"), "wb") as handle:
                write_mo(handle, catalog)
        translated = sum(1 for m in catalog if m.id and m.string)
        total = sum(1 for m in catalog if m.id)
        lines.append(f"{path.relative_to(ROOT)}: {translated} of {total} translated")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """`update`: extract and merge every package's strings; `compile`: build the .mo files."""
    parser = argparse.ArgumentParser(prog="python -m tools.catalogs", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("update", "compile"))
    arguments = parser.parse_args(argv)
    if arguments.command == "update":
        for owner in owners():
            for line in update(owner):
                print(line)
    else:
        for line in compile_all():
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
