"""Every page shows a date, and a moment, in one pattern per language (`clientela/formats/`),
in the current time zone; machine-readable values (`datetime="…"`, date inputs) stay ISO 8601."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

import clientela
from clientela.accounts import actions
from clientela.accounts.models import ApiToken

# 09:37 UTC is 10:37 in Budapest (CET): what a user there sees.
MOMENT = dt.datetime(2026, 12, 4, 9, 37, 5, tzinfo=dt.UTC)
ZONE = "Europe/Budapest"

# language: (SHORT_DATETIME_FORMAT, SHORT_DATE_FORMAT, DATETIME_FORMAT) of MOMENT in ZONE
EXPECTED = {
    "en": ("2026-12-04 10:37", "2026-12-04", "2026-12-04 10:37:05"),
    "hu": ("2026. 12. 04. 10:37", "2026. 12. 04.", "2026. 12. 04. 10:37:05"),
    "tr": ("04.12.2026 10:37", "04.12.2026", "04.12.2026 10:37:05"),
    "ru": ("04.12.2026 10:37", "04.12.2026", "04.12.2026 10:37:05"),
    "pl": ("04.12.2026 10:37", "04.12.2026", "04.12.2026 10:37:05"),
    "ro": ("04.12.2026 10:37", "04.12.2026", "04.12.2026 10:37:05"),
}

# The formats a template may give the `date` filter: the language's own, by name.
NAMED_FORMATS = {"SHORT_DATETIME_FORMAT", "SHORT_DATE_FORMAT", "DATETIME_FORMAT", "DATE_FORMAT"}
DATE_FILTER = re.compile(r"\|\s*date\s*(?::\s*(\"[^\"]*\"|'[^']*'|[\w.]+))?")
TIME_FILTER = re.compile(r"\|\s*time\s*:\s*(\"[^\"]*\"|'[^']*'|[\w.]+)")
# ISO 8601 for machines: a <time> element's datetime attribute, the value of a date input.
MACHINE_ATTRIBUTE = re.compile(r"datetime=\"\{\{\s*[\w.]+$")
DATE_INPUT_VALUE = re.compile(r"<input\b[^>]*\btype=\"date\"[^>]*\bvalue=\"\{\{\s*[\w.]+$")


def render(text: str, language: str, **context: object) -> str:
    with translation.override(language), timezone.override(ZONE):
        return Template(text).render(Context(context))


def test_every_language_of_the_interface_has_its_date_formats():
    assert {code for code, _name in settings.LANGUAGES} == set(EXPECTED)
    assert settings.FORMAT_MODULE_PATH == "clientela.formats"


@pytest.mark.parametrize("language", EXPECTED)
def test_a_moment_is_shown_in_the_languages_format_and_the_current_time_zone(language):
    moment, day, to_the_second = EXPECTED[language]
    assert render('{{ when|date:"SHORT_DATETIME_FORMAT" }}', language, when=MOMENT) == moment
    assert render('{{ when|date:"SHORT_DATE_FORMAT" }}', language, when=MOMENT) == day
    assert render('{{ when|date:"SHORT_DATE_FORMAT" }}', language, when=MOMENT.date()) == day
    assert render('{{ when|date:"DATETIME_FORMAT" }}', language, when=MOMENT) == to_the_second
    # Written without a format, a date reads the same; a time of day is on the 24-hour clock.
    assert render("{{ when }}", language, when=MOMENT.date()) == day
    assert render("{{ when|time }}", language, when=MOMENT) == "10:37"
    # Machines still get ISO 8601, with the offset of the time zone shown.
    assert render("{{ when|date:'c' }}", language, when=MOMENT) == "2026-12-04T10:37:05+01:00"


@pytest.mark.parametrize("language", EXPECTED)
def test_a_moment_inside_a_translated_sentence_is_in_the_languages_format(language):
    text = (
        '{% load i18n %}{% blocktranslate with when=moment|date:"SHORT_DATETIME_FORMAT" %}'
        "deleted {{ when }}{% endblocktranslate %}"
    )
    assert EXPECTED[language][0] in render(text, language, moment=MOMENT)


def _templates() -> list[Path]:
    package = Path(clientela.__file__).parent
    return sorted(
        path
        for path in package.rglob("*")
        if path.is_file() and "templates" in path.relative_to(package).parts and path.suffix in {".html", ".txt"}
    )


def _hard_coded_formats(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path.name}:{number}"
        for match in DATE_FILTER.finditer(line):
            argument = (match.group(1) or "DATE_FORMAT").strip("\"'")
            before = line[: match.start()]
            if argument in NAMED_FORMATS:
                continue
            if argument == "c" and MACHINE_ATTRIBUTE.search(before):
                continue
            if argument == "Y-m-d" and DATE_INPUT_VALUE.search(before):
                continue
            found.append(f"{where}: {match.group(0)}")
        found.extend(f"{where}: {match.group(0)}" for match in TIME_FILTER.finditer(line))
    return found


def test_templates_show_dates_only_in_the_languages_format():
    """A page shows a date with `|date:"SHORT_DATE_FORMAT"` and a moment with
    `|date:"SHORT_DATETIME_FORMAT"` (the audit log, to the second: "DATETIME_FORMAT"); ISO 8601
    only for machines: `datetime="{{ x|date:'c' }}"` and `<input type="date" value="{{ x|date:'Y-m-d' }}">`."""
    templates = _templates()
    names = {path.name for path in templates}
    assert {"profile.html", "audit.html", "trash.html", "index.html"} <= names, "the scan found the templates"
    uses = sum(len(DATE_FILTER.findall(path.read_text(encoding="utf-8"))) for path in templates)
    assert uses >= 10, "the scan sees the date filters"
    hard_coded = [found for path in templates for found in _hard_coded_formats(path)]
    assert hard_coded == [], "use the language's format (see src/clientela/formats/)"


def test_the_scan_catches_a_hard_coded_format(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '<td>{{ job.created_at|date:"Y-m-d H:i" }}</td>\n'
        "<td>{{ job.created_at|date:'c' }}</td>\n"
        '<input type="text" value="{{ day|date:\'Y-m-d\' }}">\n'
        '<td>{{ job.created_at|time:"g:i A" }}</td>\n'
        '<time datetime="{{ x|date:\'c\' }}">{{ x|date:"SHORT_DATETIME_FORMAT" }}</time>\n'
        '<input type="date" name="since" value="{{ since|date:\'Y-m-d\' }}">\n',
        encoding="utf-8",
    )
    assert [found.split(": ", 1)[0] for found in _hard_coded_formats(page)] == [
        "page.html:1",
        "page.html:2",
        "page.html:3",
        "page.html:4",
    ]


def test_the_profile_page_shows_a_tokens_times_in_hungarian(client, cast, settings):
    settings.TIME_ZONE = ZONE
    token, _raw = actions.token_create(actor=cast.sales_north, user=cast.sales_north, name="script")
    ApiToken.objects.filter(pk=token.pk).update(created_at=MOMENT, last_used_at=MOMENT + dt.timedelta(hours=1))
    client.force_login(cast.sales_north)
    page = client.get(reverse("accounts:profile"), headers={"accept-language": "hu"}).content.decode()
    assert 'lang="hu"' in page
    assert ">2026. 12. 04. 10:37</td>" in page
    assert ">2026. 12. 04. 11:37</td>" in page
    assert "2026-12-04" not in page and "2026.12.04." not in page
