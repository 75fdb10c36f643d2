"""Socket.IO events handled in an application context alone.

Flask-SocketIO runs every event inside a request context built from the connection's handshake:
a Request object, URL routing of `/socket.io/` (which matches no route and raises NotFound each
time), a session opened and saved, teardown hooks. An event handler of ours needs the application
context (the database session, settings) and the connection's sid, nothing of the handshake's
request: a hall's thousand tablets connecting and joining pay that request context twice each.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from flask_socketio import Namespace

_sid: ContextVar[str] = ContextVar("eoffice_socketio_sid")


def current_sid() -> str:
    """The sid of the connection whose event is being handled (flask.request.sid's place)."""
    return _sid.get()


class AppContextNamespace(Namespace):
    """A Flask-SocketIO namespace whose handlers run in an application context, with `current_sid()`
    and no request context (flask.request is not available to them)."""

    def trigger_event(self, event: str, *args: Any) -> Any:
        handler = getattr(self, f"on_{event or ''}", None)
        if handler is None:
            return None
        sid, *rest = args
        environ = self.server.get_environ(sid, namespace=self.namespace)
        if not environ:  # a connection this process does not know: as Flask-SocketIO answers
            return "", 400
        with environ["flask.app"].app_context():
            token = _sid.set(sid)
            try:
                if event == "connect":  # (environ, auth)
                    return handler(rest[1] if len(rest) > 1 else None)
                return handler(*rest)
            finally:
                _sid.reset(token)
