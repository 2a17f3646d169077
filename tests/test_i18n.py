"""The German catalogue is complete: every translatable string in the project has a German
translation, and none is fuzzy."""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"


def test_german_catalogue_exists() -> None:
    assert CATALOGUE.exists(), "run: manage.py makemessages -l de, then translate"


def test_every_string_in_the_project_is_translated_to_german() -> None:
    # makemessages writes each source file's strings into the ``locale/`` whose parent holds the
    # file: the project's own catalogue (pointing LOCALE_PATHS at a copy elsewhere only made it
    # rewrite the real file and check the untouched copy). So it runs on the real catalogue,
    # which is put back byte for byte afterwards.
    before = CATALOGUE.read_bytes()
    try:
        call_command(
            "makemessages", locale=["de"], no_obsolete=True, verbosity=0,
            ignore_patterns=[".venv/*", "var/*", "node_modules/*", "screenshots/*", "test-results/*"],
        )  # fmt: skip
        catalogue = polib.pofile(str(CATALOGUE))
    finally:
        CATALOGUE.write_bytes(before)
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert missing == [], f"{len(missing)} strings lack German: {missing[:20]}"
    assert fuzzy == [], f"{len(fuzzy)} German strings are fuzzy: {fuzzy[:20]}"


def test_compiled_catalogue_translates() -> None:
    with translation.override("de"):
        assert translation.gettext("Page not found") == "Seite nicht gefunden"
