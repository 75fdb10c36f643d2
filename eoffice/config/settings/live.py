"""Settings of the live meeting rooms: Redis, Socket.IO, event rate limits and offline books."""

from __future__ import annotations

from dataclasses import dataclass

from eoffice.config.environment import (
    parse_choice,
    parse_float,
    parse_int,
    parse_redis_url,
    parse_str,
    setting,
)


@dataclass(frozen=True)
class LiveSettings:
    """Socket.IO, its Redis message queue, room rate limits and offline retention."""

    redis_url: str | None = setting(
        None, parse_redis_url, "Redis URL; when set, Socket.IO processes share rooms through it."
    )
    redis_channel: str = setting(
        "eoffice-socketio",
        parse_str,
        "Redis pub/sub channel of the Socket.IO message queue; deployments sharing one Redis use their own.",
    )
    redis_timeout: float = setting(
        5.0,
        parse_float(0.1, 600),
        "Seconds a Redis call waits to connect and for an answer (publishing, /readyz).",
    )
    room_event_rate: float = setting(
        20.0, parse_float(0.001, 10000), "Live room events a connection may send per second, sustained."
    )
    room_event_burst: int = setting(
        40, parse_int(1, 100000), "Live room events a connection may send at once before the rate applies."
    )
    room_flood_limit: int = setting(
        200,
        parse_int(1, 1000000),
        "Live room events refused (rate_limited) before a connection that does not calm down is cut off.",
    )
    room_user_event_factor: float = setting(
        3.0,
        parse_float(1, 100),
        "All live room connections of one user together may send this many times one connection's "
        "rate, burst and flood limit (a few devices each).",
    )
    room_attendance_interval: float = setting(
        0.2,
        parse_float(0, 10),
        "Seconds over which one process gathers the live room's check-ins into one `attendance` event per "
        "room (a hall checking in at once gets a few events a second, not one per tablet).",
    )
    offline_retention_days: int = setting(
        7,
        parse_int(0, 3650),
        "Days after a meeting closes that tablets keep its book (documents) for offline reading; then "
        "GET /api/v1/meetings/<id>/offline answers 410 offline_expired and the devices erase it.",
    )
    socketio_async_mode: str | None = setting(
        None,
        parse_choice("threading", "gevent", "eventlet"),
        "Socket.IO async mode; unset means gevent in a process gevent has patched (the gunicorn "
        "servers of `make serve`), threading otherwise (`python wsgi.py`).",
    )
