"""Dates and times in Hungarian (MSZ): "2026. 12. 04. 10:37"."""

# Django date-format characters: https://docs.djangoproject.com/en/5.2/ref/templates/builtins/#date
SHORT_DATE_FORMAT = "Y. m. d."
SHORT_DATETIME_FORMAT = "Y. m. d. H:i"
DATE_FORMAT = SHORT_DATE_FORMAT
TIME_FORMAT = "H:i"
# The moment to the second (the audit log).
DATETIME_FORMAT = "Y. m. d. H:i:s"
