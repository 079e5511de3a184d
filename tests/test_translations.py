"""Every user-facing string exists in English, Russian, Simplified Chinese and Polish."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "waypoint"
LANGS = ["ru", "zh_Hans", "pl"]


def catalogue(lang):
    return PACKAGE / "locale" / lang / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated(lang):
    po = polib.pofile(str(catalogue(lang)))
    missing = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries() if e.msgid]
    assert not missing, f"{lang}: {len(missing)} untranslated, e.g. {missing[:5]}"
    assert not fuzzy, f"{lang}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("lang", LANGS)
def test_the_compiled_catalogue_matches_its_source(lang):
    po = polib.pofile(str(catalogue(lang)))
    mo = polib.mofile(str(catalogue(lang).with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    for e in po.translated_entries():
        assert compiled.get((e.msgctxt, e.msgid)) == (e.msgstr, e.msgstr_plural), (
            f"{lang}: {e.msgid!r} differs in the .mo: run `make messages`"
        )


def _tool(name):
    if shutil.which(name):
        return True
    if os.environ.get("CI"):
        pytest.fail(f"{name} (Debian's gettext) is missing: .ci/run installs it")
    pytest.skip(f"{name} is needed (apt-get install gettext)")
    return False


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_survive_translation(lang):
    _tool("msgfmt")
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", os.devnull, str(catalogue(lang))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_no_string_in_the_code_is_missing_from_the_catalogues(tmp_path):
    """Extract the messages afresh and compare: a new string without a translation fails."""
    _tool("xgettext")
    copy = tmp_path / "waypoint"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(PACKAGE.parent.parent),
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "ru",
            "--no-location",
            "--no-obsolete",
            "-i",
            "migrations/*",
        ],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale/ru/LC_MESSAGES/django.po"))}
    for lang in LANGS:
        known = {e.msgid for e in polib.pofile(str(catalogue(lang)))}
        new = sorted(fresh - known)
        assert not new, f"{lang}: {len(new)} new messages not in the catalogue: {new[:5]}"
