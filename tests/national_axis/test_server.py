"""The mock as a real process (`python -m national_axis`): concurrency, restarts, faults, large packages."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from national_axis.models import Delivery, Message
from tests.fixtures.axis import REPO_ROOT, AxisApi, HttpTransport, unique_organ_id
from tests.fixtures.edxml import signed_package, signed_status
from tests.national_axis.conftest import empty_axis_tables, register_party


@pytest.fixture(params=["sqlite", "postgresql"])
def server_database(request) -> str | None:
    """None: the server's own temporary SQLite file; otherwise a PostgreSQL URL, emptied afterwards."""
    if request.param == "sqlite":
        yield None
        return
    url = request.getfixturevalue("axis_postgres_url")
    empty_axis_tables(url)
    yield url
    empty_axis_tables(url)


def _parties(server, identities):
    api = server.api()
    return register_party(api, identities[0], "tỉnh A", "H97"), register_party(
        api, identities[1], "tỉnh B", "H49"
    )


def _count(database_url: str, model) -> int:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.select(sa.func.count()).select_from(model))
    finally:
        engine.dispose()


def test_concurrent_identical_sends_store_one_message(axis_factory, server_database, identities):
    server = axis_factory(database_url=server_database)
    party_a, party_b = _parties(server, identities)
    body = signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency])
    token = party_a.session.fetch_token()
    barrier = threading.Barrier(8)
    replies = []

    def send():
        transport = HttpTransport(server.url)  # a connection of its own per thread
        barrier.wait()
        replies.append(
            transport(
                "POST",
                "/api/v1/edocs",
                data=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
            )
        )

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [reply.status for reply in replies] == [202] * 8, [reply.content for reply in replies]
    assert len({reply.content for reply in replies}) == 1
    assert _count(server.database_url, Message) == 1
    assert _count(server.database_url, Delivery) == 1
    assert party_b.session.pending_ids() == [replies[0].json["message_id"]]


def test_a_restart_keeps_messages_acks_and_tokens(axis_factory, identities):
    server = axis_factory()
    party_a, party_b = _parties(server, identities)
    first = signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency], number="1")
    second = signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency], number="2")
    first_id = party_a.session.send_edoc(first).json["message_id"]
    second_id = party_a.session.send_edoc(second).json["message_id"]
    party_b.session.ack(first_id)

    server.restart()
    # The same tokens still work: the token key is the server's setting, not per process.
    assert party_b.session.pending_ids() == [second_id]
    assert party_b.session.get_message(second_id).content == second
    assert party_a.session.send_edoc(first).json["message_id"] == first_id  # still a repeat
    party_b.session.ack(second_id)

    server.restart()
    assert party_b.session.pending_ids() == []
    assert [edoc["recipients"][0]["acked"] for edoc in party_a.session.sent().json["edocs"]] == [True, True]


def test_a_generated_token_key_survives_a_restart(axis_factory, identities):
    server = axis_factory()
    server.secret_key = None  # the server generates its key and keeps it in its database
    server.restart()
    party_a, _ = _parties(server, identities)
    assert party_a.session.agencies().status == 200
    server.restart()
    assert party_a.session.agencies().status == 200


def test_every_call_fails_at_fault_rate_one_and_nothing_is_done(axis_factory, identities):
    server = axis_factory()
    party_a, party_b = _parties(server, identities)
    party_a.session.fetch_token()
    server.restart(fault_rate=1)
    body = signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency])
    for reply in (party_a.session.send_edoc(body), party_a.session.pending(), party_a.session.agencies()):
        assert reply.status == 503
        assert reply.json["error"]["code"] == "unavailable"
        assert "AXIS_FAULT_RATE" in reply.json["error"]["message"]
        assert reply.headers["Retry-After"] == "1"
    assert (
        AxisApi(HttpTransport(server.url)).token(party_a.system.system_id, party_a.system.secret).status
        == 503
    )
    server.restart(fault_rate=0)
    assert party_b.session.pending_ids() == []
    assert party_a.session.sent().json["edocs"] == []


def test_a_retrying_client_gets_through_faults_and_its_package_arrives_once(axis_factory, identities):
    server = axis_factory(fault_rate=0.4, fault_seed=7)
    party_a, party_b = _parties(server, identities)
    statuses = Counter()

    def until_done(call, *args):
        for _ in range(60):
            reply = call(*args)
            statuses[reply.status] += 1
            if reply.status != 503:
                return reply
        raise AssertionError("never got through")

    body = signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency])
    replies = [
        until_done(party_a.session.send_edoc, body) for _ in range(5)
    ]  # the client retries whole sends too
    assert {reply.status for reply in replies} == {202}
    assert len({reply.json["message_id"] for reply in replies}) == 1
    message_id = replies[0].json["message_id"]
    pending = until_done(party_b.session.pending).json["messages"]
    assert [item["message_id"] for item in pending] == [message_id]
    assert until_done(party_b.session.get_message, message_id).content == body
    until_done(party_b.session.ack, message_id)
    assert until_done(party_b.session.pending).json["messages"] == []
    assert statuses[503] > 0 and statuses[200] + statuses[202] > 0


def test_a_hanging_fault_stalls_then_answers_503(axis_factory, identities):
    server = axis_factory(fault_hang_rate=1, fault_hang_seconds=0.5)
    api = AxisApi(HttpTransport(server.url), server.admin_token)
    system = api.register_system("A", [(unique_organ_id(), "A")], identities[0].certificate_pem)
    started = time.monotonic()
    reply = api.token(system.system_id, system.secret)
    assert reply.status == 503
    assert "AXIS_FAULT_HANG_RATE" in reply.json["error"]["message"]
    assert time.monotonic() - started >= 0.5


def test_one_megabyte_attachments_arrive_byte_for_byte(axis_factory, identities):
    server = axis_factory()
    party_a, party_b = _parties(server, identities)
    content = os.urandom(1024 * 1024)
    body = signed_package(
        party_a.identity,
        from_id=party_a.agency,
        to_ids=list(party_b.agencies),
        attachments=[("ban-chinh.pdf", content), ("phu-luc.pdf", content[::-1])],
    )
    assert len(body) > 2_700_000
    message_id = party_a.session.send_edoc(body).json["message_id"]
    assert party_b.session.get_message(message_id).content == body
    notice = signed_status(
        party_b.identity,
        original_sender_id=party_a.agency,
        document_id=f"{party_a.agency},2026/11/20,1234/UBND-VX",
        from_id=party_b.agency,
        code="01",
    )
    assert party_b.session.send_status(notice).status == 202


def test_a_package_over_the_limit_is_413_and_the_axis_keeps_serving(axis_factory, identities):
    server = axis_factory(max_package_bytes=64 * 1024)
    party_a, party_b = _parties(server, identities)
    too_big = signed_package(
        party_a.identity,
        from_id=party_a.agency,
        to_ids=[party_b.agency],
        attachments=[("lon.pdf", os.urandom(80_000))],
    )
    reply = party_a.session.send_edoc(too_big)
    assert reply.status == 413
    assert "AXIS_MAX_PACKAGE_BYTES" in reply.json["error"]["message"]
    small = signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency])
    assert party_a.session.send_edoc(small).status == 202
    assert len(party_b.session.pending_ids()) == 1


def test_the_server_refuses_to_start_with_an_unknown_or_malformed_setting(tmp_path):
    env = {name: value for name, value in os.environ.items() if not name.startswith("AXIS_")}
    env.update(
        AXIS_FAULT_RATES="0.5", AXIS_PORT="seventy", AXIS_DATABASE_URL=f"sqlite:///{tmp_path / 'a.db'}"
    )
    finished = subprocess.run(
        [sys.executable, "-m", "national_axis"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode != 0
    assert "AXIS_FAULT_RATES: unknown setting" in finished.stderr
    assert "AXIS_PORT: expected an integer" in finished.stderr


def test_a_seed_repeats_each_routes_faults_whatever_other_calls_came_between(axis_factory, identities):
    def statuses_of_sends(polls_between: int) -> list[int]:
        server = axis_factory(fault_rate=0.5, fault_seed=11)
        party_a, party_b = _parties(server, identities)
        body = signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency])
        statuses = []
        for _ in range(8):
            for _ in range(polls_between):
                party_b.session.pending()
            statuses.append(party_a.session.send_edoc(body).status)
        return statuses

    alone, among_polls = statuses_of_sends(0), statuses_of_sends(3)
    assert alone == among_polls and 503 in alone and 202 in alone
