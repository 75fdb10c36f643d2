"""`python -m national_axis`: serve the mock axis with a threaded server on AXIS_HOST:AXIS_PORT."""

from __future__ import annotations

import logging
import signal
import sys

from werkzeug.serving import WSGIRequestHandler, make_server

from national_axis import create_app
from national_axis.config import ConfigError, Settings


class PlainLogRequestHandler(WSGIRequestHandler):
    """One plain line per request (no terminal colours: the output usually goes to a log file)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log("info", '"%s" %s %s', self.requestline, code, size)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        sys.exit(str(error))
    app = create_app(settings)
    if settings.admin_token is None:
        logging.warning("AXIS_ADMIN_TOKEN is unset: registering systems is disabled")
    # One thread per request; werkzeug drains unread bodies, so a 413 or an injected fault reaches the client.
    server = make_server(
        settings.host, settings.port, app, threaded=True, request_handler=PlainLogRequestHandler
    )
    # SIGTERM ends serve_forever like Ctrl-C; committed work is already on disk.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    logging.info("national axis mock listening on http://%s:%s", settings.host, server.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions["national_axis"]["engine"].dispose()


if __name__ == "__main__":
    main()
