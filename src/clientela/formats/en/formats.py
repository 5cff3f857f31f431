"""Dates and times in English: ISO 8601 order, 24-hour ("2026-12-04 10:37").

Clientela is used across countries, so English pages do not take the American order
("12/04/2026 10:37 a.m."), which reads as April 12th in most of them: year, month, day
cannot be misread."""

# Django date-format characters: https://docs.djangoproject.com/en/5.2/ref/templates/builtins/#date
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DATE_FORMAT = SHORT_DATE_FORMAT
TIME_FORMAT = "H:i"
# The moment to the second (the audit log).
DATETIME_FORMAT = "Y-m-d H:i:s"
