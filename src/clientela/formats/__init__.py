"""How each language of the interface writes dates and times (settings.FORMAT_MODULE_PATH).

One module per language, `<language>/formats.py`, with one pattern for a date and one for a
moment; every page shows dates through them (`|date:"SHORT_DATE_FORMAT"`,
`|date:"SHORT_DATETIME_FORMAT"`), in the current time zone. DATE_FORMAT and TIME_FORMAT are
the same patterns, so a date or moment written into a page without a format reads the same;
DATETIME_FORMAT is the moment to the second, for the audit log. Everything else (numbers,
input formats, the first day of the week) comes from Django's own module for the language.
Machine-readable values stay ISO 8601: `datetime="{{ x|date:'c' }}"`, `<input type="date">`
values, the API, exports.
"""
