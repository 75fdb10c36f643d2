"""nginx, as the README configures it, in front of two servers and two API workers on Redis and PostgreSQL.

Tablets connected through nginx land on both servers and every one follows the chair's page turns;
when one server stops, its tablets reconnect through nginx to the other, join again and show the
current page, and no page turn reaches a tablet twice or is missed by one that stayed in the room.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio

from tests.conftest import TEST_PASSWORD, service_missing
from tests.deploy.nginx import NGINX, Nginx
from tests.deploy.scrape import Scrape, free_port, wait_until
from tests.meetings.conftest import NAMESPACE, build_room, start_server_process, stop_server_process

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

SOCKETS = "eoffice_socketio_connections"


class Tablet:
    """A participant's tablet as the web client behaves: on every connection it joins the meeting and
    takes the page from the state it gets; in between it follows `presentation` events."""

    def __init__(self, url: str, token: str, meeting_id: int):
        self.meeting_id = meeting_id
        # (kind, seq, page) in the order seen: "join" (the state of a join) or "event" (a page turn).
        self.seen: list[tuple[str, int, int | None]] = []
        self.changed = threading.Condition()
        # Closed by the test to hold a reconnected tablet before it joins.
        self.may_join = threading.Event()
        self.may_join.set()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
        self.sio.on("connect", self._connected, namespace=NAMESPACE)
        self.sio.on("presentation", self._presented, namespace=NAMESPACE)
        # Long polling first, then the upgrade: every request after the first must reach the same server.
        self.sio.connect(url, namespaces=[NAMESPACE], auth={"token": token}, wait_timeout=15)

    def _connected(self):
        # The join waits for its answer, which this client's reading thread would have to deliver.
        threading.Thread(target=self._join, daemon=True).start()

    def _join(self):
        self.may_join.wait()
        answer = self.sio.call("join", {"meeting_id": self.meeting_id}, namespace=NAMESPACE, timeout=15)
        assert answer["ok"], answer
        presentation = answer["state"]["presentation"] or {}
        with self.changed:
            self.seen.append(("join", presentation.get("seq", 0), presentation.get("page")))
            self.changed.notify_all()

    def _presented(self, data):
        with self.changed:
            self.seen.append(("event", data["seq"], data["page"]))
            self.changed.notify_all()

    def joins(self) -> list[tuple[int, int | None]]:
        with self.changed:
            return [(seq, page) for kind, seq, page in self.seen if kind == "join"]

    def events(self) -> list[tuple[int, int | None]]:
        with self.changed:
            return [(seq, page) for kind, seq, page in self.seen if kind == "event"]

    def page(self) -> int | None:
        """What the tablet shows: the page of the latest turn it knows of, by seq."""
        with self.changed:
            return max(((seq, page) for _kind, seq, page in self.seen), default=(0, None))[1]

    def wait_for(self, condition, timeout: float = 30) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: condition(self), timeout)

    def close(self):
        self.sio.disconnect()


@pytest.fixture
def deployment(tmp_path, database_url, redis_url, app):
    """nginx on a free port in front of two gunicorn servers and two API worker pools of one process."""
    if NGINX is None:
        service_missing("nginx is not installed: apt-get install nginx")
    channel = f"eoffice-test-{uuid.uuid4().hex}"
    shared = {"EOFFICE_REDIS_URL": redis_url, "EOFFICE_REDIS_CHANNEL": channel, "EOFFICE_PROXY_COUNT": "1"}
    metrics_ports = {name: free_port() for name in ("server-a", "server-b")}

    def start(name: str):
        kind = "api" if name.startswith("api") else "gunicorn"
        extra = {"EOFFICE_API_WORKERS": "1"} if kind == "api" else {}
        if name in metrics_ports:
            extra["EOFFICE_METRICS_PORT"] = str(metrics_ports[name])
        # Four processes load the application at once: on a busy machine that takes a while.
        return start_server_process(
            tmp_path, name, database_url, server=kind, start_timeout=180, **shared, **extra
        )

    names = ["server-a", "server-b", "api-a", "api-b"]
    with ThreadPoolExecutor(len(names)) as pool:
        started = dict(zip(names, pool.map(start, names), strict=True))
    address = {name: url.removeprefix("http://") for name, (_process, url) in started.items()}
    nginx = Nginx([address["server-a"], address["server-b"]], [address["api-a"], address["api-b"]])
    nginx.start()
    deployment = {
        "nginx": nginx,
        "processes": {name: process for name, (process, _url) in started.items()},
        "metrics": {name: f"http://127.0.0.1:{port}" for name, port in metrics_ports.items()},
    }
    yield deployment
    nginx.stop()
    with ThreadPoolExecutor(len(names)) as pool:
        list(pool.map(stop_server_process, [process for process, _url in started.values()]))


def sockets_on(deployment) -> dict[str, float]:
    return {name: Scrape(url).value(SOCKETS) for name, url in deployment["metrics"].items()}


@pytest.fixture
def open_tablet():
    opened: list[Tablet] = []

    def open_one(url: str, token: str, meeting_id: int) -> Tablet:
        opened.append(Tablet(url, token, meeting_id))
        return opened[-1]

    yield open_one
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(Tablet.close, opened))


def test_tablets_behind_nginx_follow_the_chair_across_servers_and_survive_one_stopping(
    client, people, deployment, open_tablet
):
    nginx = deployment["nginx"]
    room = build_room(client, people)
    # The chair logs in through nginx: /api/ goes to the API workers.
    login = requests.post(
        f"{nginx.url}/api/v1/auth/login", json={"username": "chutich", "password": TEST_PASSWORD}, timeout=15
    )
    assert login.status_code == 200, login.text
    chair = open_tablet(nginx.url, login.json()["access_token"], room.meeting_id)
    assert chair.wait_for(lambda t: len(t.joins()) == 1)
    chair_server = max(sockets_on(deployment).items(), key=lambda item: item[1])[0]

    # Each new tablet draws a server by its cookie: connect until both hold some (30 draws at most).
    tablets: dict[str, list[Tablet]] = {"server-a": [], "server-b": []}
    delegates = ["daibieu1", "daibieu2", "daibieu3", "khachmoi", "thuky"]
    while min(len(held) for held in tablets.values()) < 2 and sum(map(len, tablets.values())) < 30:
        before = sockets_on(deployment)
        username = delegates[sum(map(len, tablets.values())) % len(delegates)]
        tablet = open_tablet(nginx.url, room.tokens[username], room.meeting_id)
        after = sockets_on(deployment)
        landed = [name for name in after if after[name] == before[name] + 1]
        assert len(landed) == 1, (before, after)
        tablets[landed[0]].append(tablet)
    assert min(len(held) for held in tablets.values()) >= 2, {k: len(v) for k, v in tablets.items()}
    everyone = [tablet for held in tablets.values() for tablet in held]
    assert all(tablet.wait_for(lambda t: len(t.joins()) == 1) for tablet in everyone)

    def turn(page: int) -> int:
        answer = chair.sio.call(
            "present",
            {"meeting_id": room.meeting_id, "document_id": room.document_id, "page": page},
            namespace=NAMESPACE,
            timeout=15,
        )
        assert answer["ok"], answer
        return answer["seq"]

    # Page turns by the chair on one server reach the tablets of both (through Redis).
    first_turns = [(turn(page), page) for page in (2, 3, 4)]
    for tablet in everyone:
        assert tablet.wait_for(lambda t: len(t.events()) == 3)
        assert tablet.events() == first_turns

    # The server without the chair stops; its tablets reconnect through nginx, and are held before
    # joining while the chair turns a page they do not receive as an event.
    stopped = "server-b" if chair_server == "server-a" else "server-a"
    survivor = chair_server
    moved, stayed = tablets[stopped], tablets[survivor]
    for tablet in moved:
        tablet.may_join.clear()
    stop_server_process(deployment["processes"][stopped])
    total = len(everyone) + 1
    on_survivor = wait_until(lambda: Scrape(deployment["metrics"][survivor]).value(SOCKETS), total)
    assert on_survivor == total, nginx.error_log()[-3000:]
    missed = (turn(5), 5)
    for tablet in stayed:
        assert tablet.wait_for(lambda t: len(t.events()) == 4)
    for tablet in moved:
        tablet.may_join.set()
        assert tablet.wait_for(lambda t: len(t.joins()) == 2)
        # Shows the current page again, from the state of its join.
        assert tablet.joins()[-1] == missed
        assert tablet.page() == 5

    later_turns = [(turn(page), page) for page in (1, 2)]
    for tablet in stayed:
        assert tablet.wait_for(lambda t: len(t.events()) == 6)
        assert tablet.events() == [*first_turns, missed, *later_turns]
        assert tablet.joins() == [(0, None)]
    for tablet in moved:
        assert tablet.wait_for(lambda t: len(t.events()) == 5)
        # Nothing twice, nothing lost: the turn it missed came with its join, the others as events.
        assert tablet.events() == [*first_turns, *later_turns]
    assert all(tablet.page() == 2 for tablet in everyone)
    assert Scrape(deployment["metrics"][survivor]).value(SOCKETS) == total
