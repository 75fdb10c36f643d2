"""Hand-made bad packages sent to a real axis process: each refused with reasons naming the problem,
nothing stored, and the axis serving on afterwards."""

from __future__ import annotations

import socket
import threading

import pytest

from national_axis.xmlsafe import XmlRefused, parse_untrusted
from tests.fixtures.axis import AxisServer
from tests.national_axis.bad_packages import CASES, World, good, with_prolog
from tests.national_axis.conftest import register_party

MAX_PACKAGE_BYTES = 256 * 1024


@pytest.fixture(scope="module")
def axis(tmp_path_factory):
    server = AxisServer(
        tmp_path_factory.mktemp("axis-bad"), {"AXIS_MAX_PACKAGE_BYTES": str(MAX_PACKAGE_BYTES)}
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def world(axis, identities) -> World:
    api = axis.api()
    return World(
        register_party(api, identities[0], "A", "H97"),
        register_party(api, identities[1], "B", "H49"),
        identities[2],
    )


@pytest.mark.parametrize("build, expected", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_bad_package_is_refused_naming_each_problem(axis, world, build, expected):
    reply = world.a.session.send_edoc(build(world))
    assert reply.status == 422, reply.content
    error = reply.json["error"]
    assert error["code"] == "validation_error"
    problems = error["details"]
    for field, words in expected:
        matching = [p["problem"] for p in problems if p["field"] == field]
        assert any(words in text for text in matching), f"{field!r} ~ {words!r} not in {problems}"
    assert problems[0]["field"] in error["message"]
    assert b"root:" not in reply.content  # nothing of /etc/passwd


def test_a_package_over_the_size_limit_is_413(axis, world):
    body = good(world, attachments=[("lon.pdf", b"\x00" * MAX_PACKAGE_BYTES)])
    reply = world.a.session.send_edoc(body)
    assert reply.status == 413
    assert reply.json["error"]["code"] == "payload_too_large"


class Listener:
    """A loopback TCP port that records whether anyone connected (an XXE fetch would)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


def test_external_entities_and_dtds_are_never_fetched(axis, world):
    listener = Listener()
    try:
        for prolog, subject in (
            (f'<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "{listener.url}/entity">]>', "&xxe;"),
            (f'<!DOCTYPE edXML SYSTEM "{listener.url}/edxml.dtd">', None),
            (f'<!DOCTYPE edXML [<!ENTITY % remote SYSTEM "{listener.url}/p.dtd"> %remote;]>', None),
        ):
            reply = world.a.session.send_edoc(with_prolog(world, prolog, subject))
            assert reply.status == 422
            assert reply.problems[0]["field"] == "package"
    finally:
        listener.close()
    assert listener.connections == 0


def test_after_all_that_nothing_was_stored_and_the_axis_still_serves(axis, world):
    assert world.b.session.pending_ids() == []
    assert world.a.session.pending_ids() == []
    assert world.a.session.sent().json["edocs"] == []
    reply = world.a.session.send_edoc(good(world))
    assert reply.status == 202
    assert world.b.session.pending_ids() == [reply.json["message_id"]]
    assert "Traceback" not in axis.log()


def test_a_package_of_too_many_tags_is_refused_before_it_is_parsed(world):
    # Within a size limit, millions of tiny elements would cost gigabytes once parsed and copied.
    signed = good(world)
    end = signed.rindex(b"</")  # the root's end tag
    body = signed[:end] + b"<a/>" * 100_000 + signed[end:]

    with pytest.raises(XmlRefused) as refused:
        parse_untrusted(body, "package")
    assert refused.value.problems == [{"field": "package", "problem": "more than 100000 tags"}]
