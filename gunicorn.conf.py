"""Production server settings for `make serve`: gunicorn with the gevent WebSocket worker.

Socket.IO needs every request of one client to reach the same process, so each gunicorn runs
one worker; scale out with more processes (pods) behind a sticky load balancer, sharing rooms
through EOFFICE_REDIS_URL. Address and port come from EOFFICE_HOST / EOFFICE_PORT.
"""

import os
import tempfile

# prometheus_client chooses where figures live when first imported (eoffice imports it): in files of
# each worker, which the metrics listener of the master adds up.
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    _metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="eoffice-metrics-")
else:
    _metrics_dir = None

from eoffice import gunicorn_hooks  # noqa: E402
from eoffice.config import Settings  # noqa: E402

_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.port}"
worker_class = "geventwebsocket.gunicorn.workers.GeventWebSocketWorker"
workers = 1
# Each connected tablet holds a WebSocket: allow a conference hall's worth per process.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "10000"))
# Long uploads and long-lived sockets must not be killed as "hung" workers.
timeout = 120
graceful_timeout = 30
keepalive = 5
errorlog = "-"
loglevel = _settings.log_level.lower()
accesslog, logconfig_dict = gunicorn_hooks.log_options(_settings)
when_ready, child_exit, on_exit = gunicorn_hooks.metrics_hooks(_settings, _metrics_dir)


def post_worker_init(worker):
    # Called once the worker has loaded the application (post_fork runs before, when most of it is not
    # loaded yet). Thousands of open sockets make full garbage collections long (200+ ms seen with 2,000
    # tablets), and every client waits through each one: what exists now never needs scanning again,
    # and fewer young-generation passes mean far fewer full ones.
    import gc

    import gevent

    from eoffice import websocket_frames
    from eoffice.process import freeze_startup_objects

    # Each client's frame is unmasked and checked to be UTF-8 in C, not byte by byte in Python; and a
    # greenlet (Engine.IO spawns several for every connection and one for every event) no longer records
    # the stack that spawned it, which nothing here reads: together ~8 % of a hall's arrival.
    websocket_frames.install()
    gevent.config.track_greenlet_tree = False

    freeze_startup_objects()
    gc.set_threshold(50_000, 20, 20)
    gunicorn_hooks.close_live_connections_on_term(worker)
