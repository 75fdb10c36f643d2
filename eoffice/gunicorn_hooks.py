"""What both gunicorn configurations (gunicorn.conf.py for Socket.IO, gunicorn_api.conf.py for the API
workers) share: how they log, and the life of the master's metrics listener."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

from eoffice import logs
from eoffice.config import Settings


def log_options(settings: Settings) -> tuple[str | None, dict[str, Any]]:
    """gunicorn's `accesslog` and `logconfig_dict`: in JSON mode the application logs each request
    (eoffice.logs) in place of the access line."""
    if settings.log_format == "json":
        return None, logs.gunicorn_logconfig(settings.log_level)
    return "-", {}


def metrics_hooks(settings: Settings, metrics_dir: str | None) -> tuple[Callable, Callable, Callable]:
    """gunicorn's when_ready, child_exit and on_exit: the master serves the workers' figures, forgets an
    exited worker's live ones, and removes the folder it made for them."""

    def when_ready(server):
        if settings.metrics_port:
            from eoffice.metrics import serve

            serve(settings.host, settings.metrics_port, settings.effective_database_url)

    def child_exit(server, worker):
        from eoffice.metrics import forget_process

        forget_process(worker.pid)

    def on_exit(server):
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)

    return when_ready, child_exit, on_exit


# gunicorn's gevent worker checks every second whether it should stop, then closes its listener.
_LISTENER_CLOSED_AFTER = 1.5


def close_live_connections_on_term(worker) -> None:
    """From post_worker_init of the gevent worker: on SIGTERM (a deployment stopping this process),
    once the listener is closed, close every Engine.IO connection. gunicorn would otherwise wait its
    whole graceful_timeout for the open WebSockets and then cut every tablet at once; closed at the
    transport, each tablet's client reconnects by itself (to the process or pod that replaces this one)
    and joins again. Requests under way finish as before. The room's check-ins still waiting for
    their `attendance` event go out at once, and again before the connections close (those accepted
    meanwhile): the other processes' devices hear of them through Redis."""
    import signal

    import gevent

    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):
        if callable(previous):
            previous(signum, frame)  # gunicorn's: the worker stops at its next check
        gevent.spawn(flush_live_room)
        gevent.spawn_later(_LISTENER_CLOSED_AFTER, _close_live_connections)

    signal.signal(signal.SIGTERM, on_term)
    signal.siginterrupt(signal.SIGTERM, False)


def flush_live_room() -> None:
    """Send the live room's check-ins this process has not told yet (meetings.check_ins) and write the
    devices its connections saw (eoffice.devices.sightings)."""
    from eoffice.extensions import socketio
    from meetings.broadcasts import NAMESPACE

    namespace = socketio.server.namespace_handlers.get(NAMESPACE) if socketio.server else None
    if namespace is not None:
        namespace.attendance.flush()
        namespace.sightings.flush()


def _close_live_connections() -> None:
    from eoffice.extensions import socketio

    flush_live_room()
    # Engine.IO's close, not Socket.IO's disconnect: a client told "io server disconnect" would not
    # reconnect, one whose transport closed does. Without waiting for each socket's queue to drain: a
    # client that reads nothing must not hold the others open until the graceful timeout.
    eio = socketio.server.eio
    for connection in list(eio.sockets.values()):
        connection.close(wait=False, reason=eio.reason.SERVER_DISCONNECT)
