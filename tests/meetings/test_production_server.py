"""The live room on the production server (gunicorn.conf.py: one gevent WebSocket worker).

There broadcasts go straight into each tablet's socket (eoffice.socketio_fanout) rather than through
Engine.IO's queues: every device must still get every event, whole and in order, with the acks in
their place, and a tablet that stops reading must hold up no one.
"""

from __future__ import annotations

import json
import signal
import socket
from urllib.parse import urlsplit

import pytest
import websocket

from tests.meetings.conftest import NAMESPACE, build_room, start_server_process, stop_server_process

PAGES = 40


@pytest.fixture
def gunicorn_url(tmp_path, database_url, app):
    process, url = start_server_process(tmp_path, "gunicorn", database_url, server="gunicorn")
    yield url
    stop_server_process(process)


@pytest.fixture
def room(client, people):
    return build_room(client, people)


class StalledTablet:
    """A bare Socket.IO client over one WebSocket with a tiny receive buffer, read only when asked."""

    def __init__(self, url: str, token: str, meeting_id: int):
        host = urlsplit(url).netloc
        self.ws = websocket.create_connection(
            f"ws://{host}/socket.io/?EIO=4&transport=websocket",
            timeout=15,
            sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)],
        )
        assert self.ws.recv().startswith("0{")  # Engine.IO open
        self.ws.send(f"40{NAMESPACE},{json.dumps({'token': token})}")
        assert self.ws.recv().startswith(f"40{NAMESPACE},")
        self.ws.send(f'42{NAMESPACE},1["join",{json.dumps({"meeting_id": meeting_id})}]')
        ack = self.ws.recv()
        assert ack.startswith(f"43{NAMESPACE},1[") and json.loads(ack[len(NAMESPACE) + 4 :])[0]["ok"]

    def read_events(self, event: str, count: int) -> list[dict]:
        received = []
        while len(received) < count:
            message = self.ws.recv()
            if message == "2":  # Engine.IO ping
                self.ws.send("3")
            elif message.startswith(f"42{NAMESPACE},"):
                name, data = json.loads(message[len(NAMESPACE) + 3 :])
                if name == event:
                    received.append(data)
        return received


def test_every_device_gets_every_page_and_ack_in_order(gunicorn_url, room, devices):
    chair = devices(gunicorn_url, room.tokens["chutich"])
    watchers = [
        devices(gunicorn_url, room.tokens["daibieu1"]),
        devices(gunicorn_url, room.tokens["daibieu1"]),  # the same delegate on a second tablet
        devices(gunicorn_url, room.tokens["daibieu2"]),
        devices(gunicorn_url, room.tokens["khachmoi"]),
    ]
    for device in [chair, *watchers]:
        assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    pages = [(n % 5) + 1 for n in range(PAGES)]
    for n, page in enumerate(pages):
        answer = chair.call(
            "present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": page}
        )
        assert answer == {"ok": True, "seq": n + 1}
        # Acks of other devices' own events interleave with the broadcasts on their sockets.
        if n % 10 == 0:
            state = watchers[n % 4].call("join", {"meeting_id": room.meeting_id})["state"]
            assert state["presentation"]["seq"] >= n + 1
    for device in [chair, *watchers]:
        received = device.wait_for("presentation", PAGES)
        assert [(p["seq"], p["page"]) for p in received] == list(zip(range(1, PAGES + 1), pages, strict=True))
        assert {(p["meeting_id"], p["document_id"], p["presenter_id"]) for p in received} == {
            (room.meeting_id, room.document_id, received[0]["presenter_id"])
        }
    # A confidential broadcast to a list of private rooms, and a refused event, still work there.
    refused = watchers[0].call(
        "present", {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": 1}
    )
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"


def test_a_tablet_that_stops_reading_holds_up_no_one_and_later_gets_everything_in_order(
    gunicorn_url, room, devices
):
    secretary = devices(gunicorn_url, room.tokens["thuky"])
    watchers = [devices(gunicorn_url, room.tokens[name]) for name in ("chutich", "daibieu1", "khachmoi")]
    for device in [secretary, *watchers]:
        assert device.call("join", {"meeting_id": room.meeting_id})["ok"]
    stalled = StalledTablet(gunicorn_url, room.tokens["daibieu2"], room.meeting_id)
    # 4 MB of minutes for a tablet that reads nothing: more than the kernel buffers hold (about 3 MB
    # on loopback), less than the backlog at which a tablet is cut off.
    edits = 40
    texts = [f"{n:03d} " + "Y kien cua dai bieu ve du thao nghi quyet. " * 2300 for n in range(edits)]
    version = 0
    for text in texts:
        answer = secretary.call(
            "minutes_edit",
            {"meeting_id": room.meeting_id, "agenda_item_id": None, "version": version, "text": text},
        )
        assert answer["ok"] is True, answer
        version = answer["version"]
    for device in [secretary, *watchers]:
        received = device.wait_for("minutes_section", edits, timeout=30)
        assert [s["text"] for s in received] == texts
    received = stalled.read_events("minutes_section", edits)
    assert [s["text"] for s in received] == texts
    assert [s["seq"] for s in received] == sorted(s["seq"] for s in received)
    stalled.ws.close()


def test_a_stopping_server_closes_the_tablets_connections_instead_of_waiting_out_its_graceful_timeout(
    tmp_path, database_url, app, room, devices
):
    process, url = start_server_process(tmp_path, "stopping", database_url, server="gunicorn")
    try:
        tablets = [devices(url, room.tokens[name]) for name in ("chutich", "daibieu1", "daibieu2")]
        for tablet in tablets:
            assert tablet.call("join", {"meeting_id": room.meeting_id})["ok"]
        process.send_signal(signal.SIGTERM)  # as a deployment stops it
        # Closed at the transport by the server (its clients reconnect by themselves), well before
        # gunicorn's 30 s graceful timeout, after which it would have cut them itself.
        for tablet in tablets:
            assert tablet.disconnected.wait(20)
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log = (tmp_path / "stopping.log").read_text()
    assert "Worker graceful timeout" not in log, log
