"""Template helpers: the fast timestamp formatting matches Babel's, across DST changes."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale, format_datetime

from audit_app.templating import localdatetime


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("lang, pattern", [("de", "dd.MM.yyyy, HH:mm"),
                                           ("en", "d MMM yyyy, HH:mm")])
def test_localdatetime_equals_babel_in_berlin_time(app, lang, pattern, backend):
    moments = [datetime(2026, 3, 29, 0, 30, tzinfo=UTC) + timedelta(minutes=37 * i)
               for i in range(60)]  # across the switch to summer time
    moments += [datetime(2026, 10, 25, 0, 15, tzinfo=UTC) + timedelta(minutes=29 * i)
                for i in range(30)]  # and back
    moments += [datetime(2026, m, 9, 23, 59) for m in range(1, 13)]  # naive = UTC
    with app.test_request_context(f"/?lang={lang}"), force_locale(lang):
        for moment in moments:
            aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            assert localdatetime(moment) == format_datetime(aware, pattern), moment
        assert localdatetime(None) == "–"


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("lang, pattern", [("de", "dd.MM.yyyy"), ("en", "d MMM yyyy")])
def test_localdate_equals_babel_for_dates_and_berlin_days_of_timestamps(app, lang, pattern,
                                                                        backend):
    from datetime import date

    from flask_babel import format_date, to_user_timezone

    from audit_app.templating import localdate

    with app.test_request_context(f"/?lang={lang}"), force_locale(lang):
        for day in (date(2026, 1, 1), date(2026, 2, 28), date(2028, 2, 29), date(2031, 12, 31)):
            assert localdate(day) == format_date(day, pattern)
        late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January in Berlin
        assert localdate(late) == format_date(to_user_timezone(late).date(), pattern)
        assert localdate(late).startswith("01.01.2027" if lang == "de" else "1 Jan 2027")
        assert localdate(None) == "–"
