"""API workers for `make serve`: the same application in several gevent processes, for /api/ traffic.

The HTTP API keeps no state between requests, so any process may answer any request: a pool of
processes uses every core (intake parses uploads, extracts PDF text and hashes files in Python).
Socket.IO stays on the single sticky process of gunicorn.conf.py; a reverse proxy sends /api/
here and everything else, /socket.io/ included, there (README, Production).
Address and size come from EOFFICE_HOST / EOFFICE_API_PORT / EOFFICE_API_WORKERS.
"""

# Patched before anything below imports ssl (the application's S3 and Redis clients do, through
# eoffice): the forked workers inherit it instead of warning that ssl was imported unpatched.
from gevent import monkey

monkey.patch_all()

import os  # noqa: E402
import tempfile  # noqa: E402

# prometheus_client chooses where figures live when first imported (eoffice imports it): in files of
# each worker, which the metrics listener of the master adds up.
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    _metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="eoffice-metrics-")
else:
    _metrics_dir = None

from eoffice import gunicorn_hooks  # noqa: E402
from eoffice.config import Settings  # noqa: E402

_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.api_port}"
# gevent's own WSGI server (as under the Socket.IO process) reads a 1 MB upload with ~12 % less CPU
# per registration than gunicorn's parser in the plain "gevent" worker (29 against 33 ms, measured).
worker_class = "gunicorn.workers.ggevent.GeventPyWSGIWorker"
workers = _settings.api_workers or 2 * (os.cpu_count() or 1)
worker_connections = 1000
# Long uploads must not be killed as "hung" workers.
timeout = 120
graceful_timeout = 30
keepalive = 5
errorlog = "-"
loglevel = _settings.log_level.lower()
accesslog, logconfig_dict = gunicorn_hooks.log_options(_settings)
when_ready, child_exit, on_exit = gunicorn_hooks.metrics_hooks(_settings, _metrics_dir)


def post_worker_init(worker):
    # Once the worker has loaded the application: full garbage collections then scan only what requests
    # left instead of every module and mapper (eoffice.process).
    from eoffice.process import freeze_startup_objects

    freeze_startup_objects()
