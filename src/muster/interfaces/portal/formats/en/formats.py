"""English dates as GOV.UK writes them ("10 March 2026", 24-hour times); Russian keeps Django's."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d/m/Y"
