"""The devices a user works from: recorded from every request, listed, and revoked from another device
(a lost tablet), which logs that device out and refuses it from then on with 401 device_revoked."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select
from sqlalchemy import update as sa_update

from eoffice.accounts.models import User
from eoffice.audit.models import AuditEvent
from eoffice.auth.models import AuthSession
from eoffice.devices import operations as device_operations
from eoffice.devices.models import Device
from eoffice.extensions import db
from tests.conftest import TEST_PASSWORD, statements_run
from tests.factories import create_agency, create_user

TABLET = str(uuid.uuid4())
PHONE = str(uuid.uuid4())


@pytest.fixture
def people(agency):
    create_agency("000.00.01.H49", "Sở Nội vụ tỉnh Quảng Nam")
    create_user("daibieu", roles=["specialist"])
    create_user("dongnghiep", roles=["specialist"])
    create_user("quantri.ubnd", roles=["admin"])
    create_user("quantri.snv", roles=["admin"], agency_id="000.00.01.H49")


def _on(device_id: str, name: str = "") -> dict[str, str]:
    return {"X-Device-Id": device_id, "X-Device-Name": quote(name)}


class Tablet:
    """One device of one user: it logs in and calls the API naming itself, as the web client does."""

    def __init__(self, client, username: str, device_id: str, name: str = ""):
        self.client, self.username, self.device = client, username, _on(device_id, name)
        self.tokens = self.log_in()

    def log_in(self):
        response = self.client.post(
            "/api/v1/auth/login",
            json={"username": self.username, "password": TEST_PASSWORD},
            headers=self.device,
        )
        return response.get_json() if response.status_code == 200 else response

    @property
    def headers(self) -> dict[str, str]:
        return {**self.device, "Authorization": f"Bearer {self.tokens['access_token']}"}

    def get(self, path: str):
        return self.client.get(path, headers=self.headers)

    def post(self, path: str):
        return self.client.post(path, headers=self.headers)


def _device(username: str, device_id: str) -> Device:
    user = db.session.scalar(select(User).where(User.username == username))
    return db.session.scalar(select(Device).where(Device.user_id == user.id, Device.device_id == device_id))


def test_each_device_a_user_works_from_is_listed_with_its_name(client, people):
    tablet = Tablet(client, "daibieu", TABLET.upper(), "iPad của Lan – phòng họp 1")
    phone = Tablet(client, "daibieu", PHONE, "Điện thoại")
    assert tablet.get("/api/v1/me").status_code == 200
    listed = phone.get("/api/v1/devices").get_json()
    assert {d["device_id"]: (d["name"], d["is_current"]) for d in listed} == {
        TABLET: ("iPad của Lan – phòng họp 1", False),
        PHONE: ("Điện thoại", True),
    }
    assert all(d["revoked_at"] is None for d in listed)
    # The session knows its device: revoking the device ends it.
    session_devices = db.session.scalars(select(AuthSession.device_id)).all()
    assert sorted(session_devices) == sorted([TABLET, PHONE])


def test_last_seen_is_written_at_most_once_a_minute(client, people, monkeypatch):
    tablet = Tablet(client, "daibieu", TABLET)
    first = _device("daibieu", TABLET).last_seen_at
    for _ in range(3):
        assert tablet.get("/api/v1/me").status_code == 200
    assert _device("daibieu", TABLET).last_seen_at == first
    later = first + timedelta(seconds=61)
    monkeypatch.setattr(device_operations, "utcnow", lambda: later)
    assert tablet.get("/api/v1/me").status_code == 200
    assert _device("daibieu", TABLET).last_seen_at == later


def test_a_tablet_connecting_to_the_room_is_seen_at_most_once_a_minute_and_renamed(
    app, client, people, monkeypatch
):
    from eoffice.extensions import socketio

    tablet = Tablet(client, "daibieu", TABLET, "iPad")
    first = _device("daibieu", TABLET).last_seen_at

    def connect(name: str):
        auth = {"token": tablet.tokens["access_token"], "device_id": TABLET, "device_name": name}
        connection = socketio.test_client(app, namespace="/meetings", auth=auth)
        assert connection.is_connected("/meetings")
        connection.disconnect(namespace="/meetings")

    connect("iPad")
    _live_room().sightings.flush()
    db.session.expire_all()
    assert _device("daibieu", TABLET).last_seen_at == first
    later = first + timedelta(seconds=61)
    monkeypatch.setattr(device_operations, "utcnow", lambda: later)
    connect("iPad phòng họp 2")
    _live_room().sightings.flush()
    db.session.expire_all()
    seen = _device("daibieu", TABLET)
    assert (seen.last_seen_at, seen.name) == (later, "iPad phòng họp 2")
    # The session still names the device it logged in on.
    assert db.session.scalars(select(AuthSession.device_id)).all() == [TABLET]


def _live_room():
    from eoffice.extensions import socketio
    from meetings.broadcasts import NAMESPACE

    return socketio.server.namespace_handlers[NAMESPACE]


def test_a_halls_tablets_connecting_again_are_seen_together_in_one_statement(
    app, client, people, monkeypatch
):
    """Last seen yesterday, each tablet is due: their connections are written together, once, by the
    process's sightings (not one UPDATE per connection), each row its own time. A tablet that names
    itself anew is written at once: the devices list shows the new name."""
    from eoffice.extensions import socketio

    tablets = [Tablet(client, "daibieu", str(uuid.uuid4()), f"iPad {i}") for i in range(6)]
    yesterday = _device("daibieu", tablets[0].device["X-Device-Id"]).last_seen_at - timedelta(days=1)
    db.session.execute(sa_update(Device).values(last_seen_at=yesterday))
    db.session.commit()
    engine = app.extensions["eoffice"]["autocommit"]
    # The interval does not end before the last tablet connected: the stop's flush writes them.
    ended = threading.Event()
    monkeypatch.setattr(_live_room().sightings, "_sleep", lambda seconds: ended.wait(30))
    names = [f"iPad {i}" for i in range(5)] + ["iPad hội trường"]
    with statements_run(engine) as statements:
        for tablet, name in zip(tablets, names, strict=True):
            auth = {"token": tablet.tokens["access_token"], "device_id": tablet.device["X-Device-Id"]}
            connection = socketio.test_client(app, namespace="/meetings", auth={**auth, "device_name": name})
            assert connection.is_connected("/meetings")
            connection.disconnect(namespace="/meetings")
        db.session.expire_all()
        renamed = _device("daibieu", tablets[5].device["X-Device-Id"])
        assert (renamed.name, renamed.last_seen_at > yesterday) == ("iPad hội trường", True)
        assert _device("daibieu", tablets[0].device["X-Device-Id"]).last_seen_at == yesterday
        db.session.rollback()
        _live_room().sightings.flush()
        ended.set()
    assert len([s for s in statements if s.lstrip().upper().startswith("UPDATE DEVICES")]) == 2
    db.session.expire_all()
    rows = {d.device_id: d for d in db.session.scalars(select(Device))}
    for tablet, name in zip(tablets, names, strict=True):
        row = rows[tablet.device["X-Device-Id"]]
        assert (row.name, row.last_seen_at > yesterday) == (name, True)


def test_a_malformed_device_header_is_refused_naming_it_after_the_token(client, people):
    tablet = Tablet(client, "daibieu", TABLET)
    for bad in ({"X-Device-Id": "tablet-1"}, {"X-Device-Name": "%FF%FE"}, {"X-Device-Name": "x" * 101}):
        response = client.get("/api/v1/me", headers={**tablet.headers, **bad})
        assert response.status_code == 422, bad
        (field,) = response.get_json()["error"]["details"]["headers"]
        assert field in bad
    assert client.get("/api/v1/me", headers={"X-Device-Id": "tablet-1"}).status_code == 401


def test_a_revoked_device_is_logged_out_and_refused_while_the_others_go_on(client, people):
    tablet = Tablet(client, "daibieu", TABLET, "Máy tính bảng")
    phone = Tablet(client, "daibieu", PHONE)
    user = db.session.scalar(select(User).where(User.username == "daibieu"))
    generation = user.offline_key_generation
    revoked = phone.post(f"/api/v1/devices/{TABLET}/revoke")
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"] is not None
    gone = tablet.get("/api/v1/me")
    assert gone.status_code == 401 and gone.get_json()["error"]["code"] == "device_revoked"
    refresh = {"refresh_token": tablet.tokens["refresh_token"]}
    again = client.post("/api/v1/auth/refresh", json=refresh, headers=tablet.device)
    assert again.status_code == 401 and again.get_json()["error"]["code"] == "device_revoked"
    # Its tokens are refused whatever device the request names: its sessions ended.
    assert client.post("/api/v1/auth/refresh", json=refresh).get_json()["error"]["code"] == "invalid_token"
    assert (
        client.get("/api/v1/me", headers={"Authorization": tablet.headers["Authorization"]}).status_code
        == 401
    )
    relogin = tablet.log_in()
    assert relogin.status_code == 401 and relogin.get_json()["error"]["code"] == "device_revoked"
    # The tablet erased everything and made itself a new id: it is a new device.
    assert Tablet(client, "daibieu", str(uuid.uuid4())).get("/api/v1/me").status_code == 200
    assert phone.get("/api/v1/me").status_code == 200
    db.session.refresh(user)
    assert user.offline_key_generation == generation + 1
    assert phone.post(f"/api/v1/devices/{TABLET}/revoke").status_code == 200
    db.session.refresh(user)
    assert user.offline_key_generation == generation + 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "device.revoked"))
    assert event.details == {"device_id": TABLET, "name": "Máy tính bảng"}


def test_an_admin_of_the_users_agency_lists_and_revokes_their_devices(client, people, login):
    Tablet(client, "daibieu", TABLET)
    owner = db.session.scalar(select(User).where(User.username == "daibieu")).id
    for username in ("dongnghiep", "quantri.snv"):
        assert client.get(f"/api/v1/devices?user_id={owner}", headers=login(username)).status_code == 403
        refused = client.post(f"/api/v1/devices/{TABLET}/revoke?user_id={owner}", headers=login(username))
        assert refused.status_code == 403
    assert _device("daibieu", TABLET).revoked_at is None
    admin = login("quantri.ubnd")
    listed = client.get(f"/api/v1/devices?user_id={owner}", headers=admin).get_json()
    assert [d["device_id"] for d in listed] == [TABLET]
    assert client.post(f"/api/v1/devices/{PHONE}/revoke?user_id={owner}", headers=admin).status_code == 404
    assert client.post(f"/api/v1/devices/{TABLET}/revoke?user_id={owner}", headers=admin).status_code == 200
    assert _device("daibieu", TABLET).revoked_at is not None
    assert client.get("/api/v1/devices?user_id=999999", headers=admin).status_code == 404
