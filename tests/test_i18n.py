"""The German catalogue is complete: every translatable string in the project has a German
translation, and none is fuzzy."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"


def test_german_catalogue_exists() -> None:
    assert CATALOGUE.exists(), "run: manage.py makemessages -l de, then translate"


def test_every_string_in_the_project_is_translated_to_german(tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    # makemessages writes into the first LOCALE_PATHS entry: point it at a scratch copy.
    scratch = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", scratch)
    settings.LOCALE_PATHS = [scratch]
    call_command(
        "makemessages", locale=["de"], no_obsolete=True, verbosity=0,
        ignore_patterns=[".venv/*", "var/*", "node_modules/*", "screenshots/*", "test-results/*"],
    )  # fmt: skip
    catalogue = polib.pofile(str(scratch / "de" / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert missing == [], f"{len(missing)} strings lack German: {missing[:20]}"
    assert fuzzy == [], f"{len(fuzzy)} German strings are fuzzy: {fuzzy[:20]}"


def test_compiled_catalogue_translates() -> None:
    with translation.override("de"):
        assert translation.gettext("Page not found") == "Seite nicht gefunden"
