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
