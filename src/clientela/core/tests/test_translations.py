"""The interface speaks the languages of the source documents: hu, tr, ru, pl, ro (and English).

Catalogues live in `src/clientela/locale/<language>/LC_MESSAGES/`: the `.po` text and the
compiled `.mo` that Django reads (`./scripts/messages` refreshes and compiles both).
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LOCALE = Path(settings.LOCALE_PATHS[0])
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdirfx%]")


def _unquote(line: str) -> str:
    return ast.literal_eval(line)


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (or msgstr[n]) and flags."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {"flags": set()}, None
        elif line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += _unquote(line)
        else:
            key, _space, rest = line.partition(" ")
            entry[key] = _unquote(rest)
    return entries


def _placeholders(text: str) -> list[str]:
    """Named placeholders by name, positional ones as written; `%%` is not one."""
    found = (m.group(1) or m.group(0) for m in PLACEHOLDER.finditer(text))
    return sorted(p for p in found if p != "%%")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_of_the_catalogue_is_translated(language):
    entries = po_entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 500
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "" and f"Language: {language}" in header["msgstr"]
    untranslated = [e["msgid"] for e in messages if not any(v for k, v in e.items() if k.startswith("msgstr"))]
    assert untranslated == []
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_use_only_the_placeholders_of_their_message(language):
    """A placeholder the English text does not have would fail at run time (KeyError)."""
    for entry in po_entries(LOCALE / language / "LC_MESSAGES" / "django.po")[1:]:
        if "python-format" not in entry["flags"]:
            continue
        allowed = set(_placeholders(entry["msgid"]) + _placeholders(entry.get("msgid_plural", "")))
        for key, text in entry.items():
            if key.startswith("msgstr"):
                assert set(_placeholders(text)) <= allowed, (entry["msgid"], text)
        if "msgid_plural" not in entry:
            assert _placeholders(entry["msgstr"]) == _placeholders(entry["msgid"]), entry["msgid"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_its_text(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in po_entries(folder / "django.po")[1:]:
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) == entry["msgstr[0]"]
        elif context is not None:
            assert compiled.pgettext(context, entry["msgid"]) == entry["msgstr"], (context, entry["msgid"])
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sign_in_page_follows_the_browsers_language(client, language):
    with translation.override(language):
        expected = translation.gettext("Sign in")
    assert expected != "Sign in"
    page = client.get(reverse("accounts:login"), headers={"accept-language": language})
    assert page.status_code == 200
    assert f'lang="{language}"' in page.content.decode()
    assert expected in page.content.decode()


@pytest.mark.django_db
def test_a_signed_in_user_switches_the_language_from_any_page(client, cast):
    client.force_login(cast.sales_north)
    answer = client.post(reverse("set_language"), {"language": "pl", "next": reverse("parties:contact_list")})
    assert answer.status_code == 302 and answer["Location"] == reverse("parties:contact_list")
    page = client.get(reverse("parties:contact_list")).content.decode()
    with translation.override("pl"):
        contacts = translation.gettext("Contacts")
    assert 'lang="pl"' in page and contacts in page and contacts != "Contacts"
    assert '<option value="pl" lang="pl" selected>polski</option>' in page
