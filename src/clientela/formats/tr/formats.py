"""Dates and times in Turkish: "04.12.2026 10:37"."""

# Django date-format characters: https://docs.djangoproject.com/en/5.2/ref/templates/builtins/#date
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
DATE_FORMAT = SHORT_DATE_FORMAT
TIME_FORMAT = "H:i"
# The moment to the second (the audit log).
DATETIME_FORMAT = "d.m.Y H:i:s"
