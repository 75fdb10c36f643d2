"""Progressive delays after failed logins, shared by all server processes.

Three counts of the recent failures each allow some, then make the next attempt wait from the latest
failure they count: 1 second, doubling with each further failure, up to EOFFICE_LOGIN_MAX_DELAY.
- the account from this address: always;
- the account from any address (only for an address that failed on the account itself), and this
  address for any account: except when the account has logged in from this address before.
  Failures elsewhere, or of others behind the same proxy, so never keep an owner out of the address
  he works from nor out of a new device, and nothing locks anyone out for long.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from eoffice.api_base import ApiError
from eoffice.auth.models import KnownLoginAddress, LoginFailure
from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.runtime import settings

# An address not logged in from for this long is a stranger again (and its row is dropped).
KNOWN_ADDRESS_LIFETIME = timedelta(days=90)


def _delay(failures: int, allowed: int) -> int:
    if failures < allowed:
        return 0
    return min(settings().login_max_delay, 2 ** min(failures - allowed, 30))


def _is_known(username: str, address: str) -> bool:
    known = db.session.get(KnownLoginAddress, (username, address))
    return known is not None and known.last_login_at > utcnow() - KNOWN_ADDRESS_LIFETIME


def ensure_not_throttled(username: str, address: str) -> None:
    """429 with Retry-After while the attempt must wait."""
    config = settings()
    now = utcnow()
    of_account = LoginFailure.username == username
    of_address = LoginFailure.address == address
    scopes = [and_(of_account, of_address), of_account, of_address]
    counts = db.session.execute(
        select(
            *(func.count().filter(scope) for scope in scopes),
            *(func.max(LoginFailure.failed_at).filter(scope) for scope in scopes),
        ).where(
            or_(of_account, of_address),
            LoginFailure.failed_at > now - timedelta(seconds=config.login_failure_window),
        )
    ).one()
    pair, account, from_address, pair_last, account_last, address_last = counts
    waits: list[tuple[int, datetime | None]] = [(_delay(pair, config.login_max_failures), pair_last)]
    wider = [
        (_delay(account, config.login_max_failures), account_last),
        (_delay(from_address, config.login_max_failures_per_address), address_last),
    ]
    if any(delay for delay, _ in wider) and not _is_known(username, address):
        # The account-wide count holds back only an address that failed on this account itself: else
        # one wrong password a minute from anywhere kept the owner out of every new device (and a
        # spread-out guesser still gets one try per address before the account-wide wait).
        waits += wider if pair else wider[1:]
    remaining = max(
        ((last + timedelta(seconds=delay) - now).total_seconds() for delay, last in waits if delay),
        default=0,
    )
    if remaining > 0:
        wait = math.ceil(remaining)
        raise ApiError(
            429,
            "too_many_requests",
            f"too many failed logins; try again in {wait} seconds",
            {"retry_after": wait},
            {"Retry-After": str(wait)},
        )


def record_failure(username: str, address: str) -> None:
    db.session.add(LoginFailure(username=username, address=address))
    # Keep the table small: what has left the window no longer counts.
    horizon = utcnow() - timedelta(seconds=settings().login_failure_window)
    db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at < horizon))


def record_success(username: str, address: str) -> None:
    """The account's failures from this address are forgotten, and the address becomes known to it."""
    now = utcnow()
    db.session.execute(
        delete(LoginFailure).where(LoginFailure.username == username, LoginFailure.address == address)
    )
    db.session.execute(
        delete(KnownLoginAddress).where(
            KnownLoginAddress.username == username,
            KnownLoginAddress.last_login_at < now - KNOWN_ADDRESS_LIFETIME,
        )
    )
    # An upsert: two first logins from one address at once must not collide on the key.
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(KnownLoginAddress)
        .values(username=username, address=address, last_login_at=now)
        .on_conflict_do_update(index_elements=["username", "address"], set_={"last_login_at": now})
    )
