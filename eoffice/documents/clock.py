"""The clock of the document flow, and the Vietnam calendar that dates and numbers follow.

Everything in the document flow asks `clock.now()` (never datetime.now) so that tests can move
time, e.g. across 1 January to prove that numbers restart.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from eoffice.db import utcnow

VIETNAM = timezone(timedelta(hours=7), "ICT")


def now() -> datetime:
    return utcnow()


def vietnam_date(moment: datetime) -> date:
    """The calendar day in Vietnam (UTC+7) at a UTC-aware moment."""
    return moment.astimezone(VIETNAM).date()
