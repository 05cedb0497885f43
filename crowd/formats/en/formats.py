"""English dates as the rest of the world reads them.

Django's "en" formats are American: month first and a 12-hour clock ("12/04/2026 6:37 p.m."
for 4 December), which a European reader takes for 12 April. The platform's English pages
write the day first, the month in words and a 24-hour clock, as the French pages do in
figures. The scripts follow the same choice (static/js/lib/messages.js, dateLocale).
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
# The pages print the short forms; the month in words keeps them unambiguous.
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j F Y, H:i"
FIRST_DAY_OF_WEEK = 1
