"""The portal speaks Chinese first and English second: the zh_Hans catalogue is complete and current, pages
render in Chinese by default, and the language follows the cookie, the browser and the language switcher."""

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

BASE_DIR = Path(settings.BASE_DIR)
PO_PATH = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# What scripts/translations.sh passes to makemessages as --ignore, plus what is never source.
NOT_SOURCE = {".venv", "var", "bench", "locale", "node_modules", "__pycache__"}


def _show(msgids, limit: int = 15) -> str:
    msgids = sorted(msgids)
    shown = "\n  ".join(repr(m) for m in msgids[:limit])
    more = f"\n  … and {len(msgids) - limit} more" if len(msgids) > limit else ""
    return f"{len(msgids)}:\n  {shown}{more}\nRun scripts/translations.sh and translate them in {PO_PATH}."


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


@pytest.fixture(autouse=True)
def _reset_language():
    """LocaleMiddleware activates the request's language in this thread: give later tests the default."""
    yield
    translation.deactivate()


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def test_catalogue_header(catalogue):
    assert not catalogue.metadata_is_fuzzy, "the catalogue header is marked fuzzy"
    assert catalogue.metadata["Language"] == "zh_Hans"
    assert "charset=UTF-8" in catalogue.metadata["Content-Type"]
    assert catalogue.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_catalogue_has_no_untranslated_or_fuzzy_entries(catalogue):
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated, "untranslated entries " + _show(untranslated)
    assert not fuzzy, "fuzzy entries " + _show(fuzzy)


def test_plural_entries_fill_the_single_chinese_form(catalogue):
    for entry in catalogue:
        if entry.msgid_plural:
            assert entry.msgstr_plural.get(0), f"msgstr[0] is empty for {entry.msgid!r}"


def test_compiled_catalogue_matches_the_po(catalogue):
    """The .mo is what Django reads: a missing or old one shows English in the Chinese UI."""
    mo_path = PO_PATH.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run scripts/translations.sh (or compilemessages)"
    compiled = {_key(e): (e.msgstr or e.msgstr_plural.get(0)) for e in polib.mofile(str(mo_path))}
    outdated = [
        e.msgid
        for e in catalogue.translated_entries()
        if compiled.get(_key(e)) != (e.msgstr or e.msgstr_plural.get(0))
    ]
    assert not outdated, "the .mo is older than the .po for " + _show(outdated)
    with translation.override("zh-hans"):
        assert translation.gettext("Key projects") == "重点项目"
        assert translation.gettext("Workbench") == "工作台"


@pytest.mark.skipif(
    not shutil.which("xgettext") or not shutil.which("msguniq"), reason="gettext not installed"
)
def test_catalogue_is_not_stale(tmp_path, catalogue):
    """A fresh extraction (the flags of scripts/translations.sh) finds no msgid the committed catalogue lacks.

    makemessages walks the current directory and writes into LOCALE_PATHS; it runs here in a scratch
    directory that links the project's source folders, so the real catalogue is not touched."""
    for entry in BASE_DIR.iterdir():
        if entry.name.startswith(".") or entry.name in NOT_SOURCE:
            continue
        (tmp_path / entry.name).symlink_to(entry)
    scratch_locale = tmp_path / "locale"
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with override_settings(LOCALE_PATHS=[scratch_locale]):
            call_command("makemessages", locale=["zh_Hans"], symlinks=True, no_obsolete=True, verbosity=0)
    finally:
        os.chdir(cwd)
    fresh = polib.pofile(str(scratch_locale / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    fresh_keys = {_key(e) for e in fresh}
    assert len(fresh_keys) > 100, "the extraction found almost nothing: is the scratch tree wrong?"
    known = {_key(e) for e in catalogue if not e.obsolete}
    missing = [msgid for ctx, msgid in fresh_keys - known]
    assert not missing, "strings in the source but not in the catalogue " + _show(missing)


# --- rendered pages -------------------------------------------------------------------------------------


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.parametrize("url_name", ["home", "projects:list"])
def test_pages_are_chinese_by_default(client_for, staff, url_name):
    html = _html(client_for(staff).get(reverse(url_name)))
    assert '<html lang="zh-hans">' in html
    assert "重点项目" in html
    assert "工作台" in html
    assert "Key projects" not in html


@pytest.mark.parametrize("url_name", ["home", "projects:list"])
def test_language_cookie_switches_to_english(client_for, staff, url_name):
    client = client_for(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _html(client.get(reverse(url_name)))
    assert '<html lang="en">' in html
    assert "Key projects" in html
    assert "Workbench" in html
    assert "重点项目<" not in html


@pytest.mark.parametrize("accept", ["en", "en-US,en;q=0.9"])
def test_browser_language_english(client_for, leader, accept):
    html = _html(client_for(leader).get(reverse("projects:list"), HTTP_ACCEPT_LANGUAGE=accept))
    assert '<html lang="en">' in html
    assert "Key projects" in html


def test_browser_language_chinese(client_for, contractor):
    html = _html(client_for(contractor).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5"))
    assert '<html lang="zh-hans">' in html
    assert "我的工作台" in html


def test_cookie_wins_over_browser_language(client_for, staff):
    client = client_for(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = _html(client.get(reverse("projects:list"), HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="zh-hans">' in html
    assert "重点项目" in html


def test_language_switcher_changes_the_next_page(client_for, staff):
    client = client_for(staff)
    projects_url = reverse("projects:list")
    assert '<html lang="zh-hans">' in _html(client.get(projects_url))

    response = client.post(reverse("set_language"), {"language": "en", "next": projects_url})
    assert response.status_code == 302
    assert response["Location"] == projects_url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    html = _html(client.get(projects_url))
    assert '<html lang="en">' in html
    assert "Key projects" in html

    client.post(reverse("set_language"), {"language": "zh-hans", "next": projects_url})
    assert "重点项目" in _html(client.get(projects_url))


def test_language_switcher_ignores_unknown_languages(client_for, staff):
    client = client_for(staff)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert '<html lang="zh-hans">' in _html(client.get(reverse("home")))


def test_login_page_in_chinese(db):
    html = _html(Client().get(reverse("login")))
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert "重点工程建设管理局" in html
    assert "Log in" not in html


def test_login_page_in_english(db):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _html(client.get(reverse("login")))
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "Key Projects Construction Management Bureau" in html
    assert "登录" not in html
