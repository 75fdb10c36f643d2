"""Socket.IO events run in an application context with the connection's sid, without Flask-SocketIO's
per-event request context (eoffice.socketio_context)."""

from __future__ import annotations

import flask
from flask import Flask
from flask_socketio import SocketIO

from eoffice.socketio_context import AppContextNamespace, current_sid


class Recording(AppContextNamespace):
    def __init__(self, namespace: str):
        super().__init__(namespace)
        self.seen: list[tuple] = []

    def on_connect(self, auth=None):
        contexts = flask.has_app_context(), flask.has_request_context()
        self.seen.append(("connect", current_sid(), auth, *contexts))

    def on_echo(self, data=None):
        self.seen.append(("echo", current_sid(), data, flask.current_app.name, flask.has_request_context()))
        return {"echoed": data}

    def on_disconnect(self, reason=None):
        self.seen.append(("disconnect", current_sid()))


def test_handlers_get_the_sid_and_the_app_context_but_no_request_context():
    app = Flask("socketio-context-test")
    socketio = SocketIO(app, async_mode="threading")
    namespace = Recording("/t")
    socketio.on_namespace(namespace)

    first = socketio.test_client(app, namespace="/t", auth={"token": "x"})
    second = socketio.test_client(app, namespace="/t")
    assert first.emit("echo", {"n": 1}, namespace="/t", callback=True) == {"echoed": {"n": 1}}
    assert second.emit("echo", 2, namespace="/t", callback=True) == {"echoed": 2}
    first_sid, second_sid = first.eio_sid, second.eio_sid
    first.disconnect(namespace="/t")

    connects = [entry for entry in namespace.seen if entry[0] == "connect"]
    assert [entry[2:] for entry in connects] == [({"token": "x"}, True, False), (None, True, False)]
    sids = {entry[0]: [] for entry in namespace.seen}
    for entry in namespace.seen:
        sids[entry[0]].append(entry[1])
    # Each connection's events see its own sid, which is python-socketio's sid of that connection.
    assert sids["connect"] == sids["echo"] and len(set(sids["connect"])) == 2
    assert sids["disconnect"] == [sids["connect"][0]]
    assert socketio.server.manager.sid_from_eio_sid(first_sid, "/t") is None
    assert socketio.server.manager.sid_from_eio_sid(second_sid, "/t") == sids["connect"][1]
    echoes = [entry for entry in namespace.seen if entry[0] == "echo"]
    assert [entry[3:] for entry in echoes] == [("socketio-context-test", False)] * 2
