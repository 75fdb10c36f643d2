"""The matrix's world: two agencies, their people and, in each, everything a route can be asked about;
and the probe that asks a route about one target as one caller."""

from __future__ import annotations

import io
import sqlite3
import uuid
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from eoffice.accounts.models import User
from eoffice.documents.models import Document
from eoffice.extensions import db
from eoffice.mail.models import OutboxMessage
from eoffice.records import operations as records_operations
from eoffice.records.models import FileListEntry, Handover
from eoffice.storage import operations as storage_operations
from meetings.models import MeetingMinutes
from tests.authorization.helpers import CALLERS, DEADLINE, PUBLIC, SIDES, Entry, Target
from tests.conftest import TEST_PASSWORD
from tests.factories import create_agency, create_document, create_user
from tests.meetings.conftest import ENDS, STARTS, make_pdf, token_of, upload


@dataclass
class World:
    targets: dict[str, list[Target]]
    callers: dict[str, int | None]
    headers: dict[str, dict[str, str]]
    database: str
    snapshot: sqlite3.Connection
    baseline: dict[str, list] = field(default_factory=dict)

    def of(self, kind: str) -> list[Target]:
        """The targets of a kind; `document:open@assign` is the open document asked to be assigned."""
        base, _, variant = kind.partition("@")
        found = self.targets[base]
        return [replace(t, ids={**t.ids, "variant": variant}) for t in found] if variant else found

    def restore(self) -> None:
        """Back to the world as built: a probe that changed something leaves nothing for the next."""
        db.session.remove()
        db.engine.dispose()
        target = sqlite3.connect(self.database)
        self.snapshot.backup(target)
        target.close()


def fingerprint() -> dict[str, list]:
    db.session.rollback()
    with db.engine.connect() as connection:
        return {table.name: connection.execute(sa.select(table)).all() for table in db.metadata.sorted_tables}


def bearer(client, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_of(client, username)}"}


def build_side(client, side: str) -> tuple[dict[str, Target], dict[str, User]]:
    agency_id = SIDES[side]
    agency = create_agency(agency_id, f"Cơ quan {side}", units=["Văn phòng"], abbreviation=side.upper())
    unit_id = agency.units[0].id
    people = {
        role: create_user(f"{side}.{role}", agency_id=agency_id, roles=[role], unit_id=unit_id)
        for role in ("admin", "clerk", "leader", "specialist", "archivist")
    }
    # The handler of the confidential document and the meeting's secretary: no caller of the matrix.
    staff = create_user(f"{side}.staff", agency_id=agency_id, roles=["specialist"], unit_id=unit_id)
    clerk, leader, specialist = people["clerk"], people["leader"], people["specialist"]

    open_doc = create_document(
        "assigned", clerk=clerk, leader=leader, handler=specialist, metadata={"number": 11}
    )
    secret_doc = create_document(
        "assigned",
        clerk=clerk,
        leader=leader,
        handler=staff,
        metadata={"number": 12, "confidentiality": "secret", "subject": f"Về công tác nhân sự {side}"},
    )
    draft = create_document("draft", drafter=specialist)
    plain = storage_operations.store_file(io.BytesIO(make_pdf(1)), "ghi-chu.pdf", uploaded_by=specialist)
    db.session.commit()

    organiser, chair, secretary = (bearer(client, u.username) for u in (clerk, leader, staff))
    created = client.post(
        "/api/v1/meetings",
        json={
            "title": f"Họp giao ban {side}",
            "starts_at": STARTS,
            "ends_at": ENDS,
            "chair_id": leader.id,
            "secretary_id": staff.id,
            "participants": [{"user_id": specialist.id, "role": "delegate"}],
        },
        headers=organiser,
    )
    assert created.status_code == 201, created.get_json()
    meeting_id = created.get_json()["id"]
    items, meeting_documents = {}, {}
    for kind, body in (
        ("ordinary", {"title": "Báo cáo tình hình", "presenter_id": specialist.id}),
        ("confidential", {"title": "Nhân sự", "is_confidential": True, "named_user_ids": [leader.id]}),
    ):
        item = client.post(f"/api/v1/meetings/{meeting_id}/agenda", json=body, headers=organiser)
        assert item.status_code == 201, item.get_json()
        items[kind] = item.get_json()["id"]
        document = upload(client, organiser, meeting_id, make_pdf(2), agenda_item_id=items[kind])
        assert document.status_code == 201, document.get_json()
        meeting_documents[kind] = document.get_json()
    for step in ("invite", "start"):
        assert client.post(f"/api/v1/meetings/{meeting_id}/{step}", headers=organiser).status_code == 200
    poll = client.post(
        f"/api/v1/meetings/{meeting_id}/opinions",
        json={"question": "Thống nhất nội dung?", "deadline": DEADLINE},
        headers=organiser,
    )
    assert poll.status_code == 201, poll.get_json()
    answer = client.post(
        f"/api/v1/meetings/{meeting_id}/opinions/{poll.get_json()['id']}/answers",
        json={"option": "Đồng ý"},
        headers=bearer(client, specialist.username),
    )
    assert answer.status_code == 201, answer.get_json()
    assert client.post(f"/api/v1/meetings/{meeting_id}/close", headers=organiser).status_code == 200
    assert client.post(f"/api/v1/meetings/{meeting_id}/minutes/submit", headers=secretary).status_code == 200
    assert client.post(f"/api/v1/meetings/{meeting_id}/minutes/approve", headers=chair).status_code == 200
    minutes_pdf = db.session.get(MeetingMinutes, meeting_id).pdf_file_id
    case_files = _build_records(agency_id, clerk, leader, specialist, people["archivist"])

    message = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.agency_id == agency_id).order_by(OutboxMessage.id)
    ).first()
    assert message is not None, f"no e-mail was queued for agency {agency_id}"

    def target(kind: str, **ids: Any) -> Target:
        return Target(side, kind, agency_id, ids)

    def main_file(document: Document) -> int:
        return document.files[0].stored_file_id

    targets = {
        "agency": target(
            "agency",
            unit_id=unit_id,
            user_id=specialist.id,
            message_id=message.id,
            secret_document_id=secret_doc.id,
        ),
        "document:open": target("document:open", document_id=open_doc.id, file_id=main_file(open_doc)),
        "document:confidential": target(
            "document:confidential", document_id=secret_doc.id, file_id=main_file(secret_doc)
        ),
        "document:draft": target("document:draft", document_id=draft.id, file_id=main_file(draft)),
        "meeting": target("meeting", meeting_id=meeting_id),
        "poll": target("poll", meeting_id=meeting_id, poll_id=poll.get_json()["id"]),
        "file:plain": target("file:plain", file_id=plain.id),
        "file:document_open": target(
            "file:document_open", file_id=main_file(open_doc), document_id=open_doc.id
        ),
        "file:document_confidential": target(
            "file:document_confidential", file_id=main_file(secret_doc), document_id=secret_doc.id
        ),
        "file:draft": target("file:draft", file_id=main_file(draft), document_id=draft.id),
        "file:minutes": target("file:minutes", file_id=minutes_pdf, meeting_id=meeting_id),
    }
    for kind in ("ordinary", "confidential"):
        targets[f"agenda:{kind}"] = target(f"agenda:{kind}", meeting_id=meeting_id, item_id=items[kind])
        targets[f"meeting_document:{kind}"] = target(
            f"meeting_document:{kind}",
            meeting_id=meeting_id,
            item_id=items[kind],
            meeting_document_id=meeting_documents[kind]["id"],
        )
        targets[f"file:meeting_{kind}"] = replace(
            targets[f"meeting_document:{kind}"],
            kind=f"file:meeting_{kind}",
            ids={**targets[f"meeting_document:{kind}"].ids, "file_id": meeting_documents[kind]["file_id"]},
        )
    for kind, ids in case_files.items():
        targets[kind] = target(kind, **ids)
    if side == "own":
        link = client.post(f"/api/v1/files/{plain.id}/link", headers=bearer(client, specialist.username))
        assert link.status_code == 200, link.get_json()
        url = urlsplit(link.get_json()["url"])
        targets["signed_link"] = target("signed_link", link=f"{url.path}?{url.query}")
        targets["caller"] = target("caller")
    device_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"matrix-{side}"))
    logged_in = client.post(
        "/api/v1/auth/login",
        json={"username": specialist.username, "password": TEST_PASSWORD},
        headers={"X-Device-Id": device_id, "X-Device-Name": "tablet"},
    )
    assert logged_in.status_code == 200, logged_in.get_json()
    targets["device"] = target("device", user_id=specialist.id, device_id=device_id)
    return targets, people


def _build_records(
    agency_id: str, clerk: User, leader: User, specialist: User, archivist: User
) -> dict[str, dict[str, int]]:
    """A file list entry, an open and a closed case file of the specialist, each with a handled document
    filed, one more handled document to file, and two hand-overs: proposed and received."""
    entry = FileListEntry(
        agency_id=agency_id, year=2026, heading="Văn phòng", notation="VP-01", title="Hồ sơ hội nghị"
    )
    db.session.add(entry)
    handled = [
        create_document(
            "completed",
            clerk=clerk,
            leader=leader,
            handler=specialist,
            metadata={"number": 20 + i, "subject": f"Văn bản đã giải quyết {i}"},
        )
        for i in range(5)
    ]
    built = {"file_list_entry": {"entry_id": None}}
    for index, kind in enumerate(("open", "closed")):
        case_file = records_operations.open_case_file(
            specialist, {"notation": f"CV-0{index + 1}", "title": f"Hồ sơ {kind}", "retention_years": 10}
        )
        records_operations.file_document(case_file, specialist, handled[index].id)
        if kind == "closed":
            records_operations.close(case_file, specialist)
        built[f"case_file:{kind}"] = {
            "case_file_id": case_file.id,
            "filed_document_id": handled[index].id,
            "spare_document_id": handled[2].id,
        }
    for index, kind in ((3, "proposed"), (4, "received")):
        case_file = records_operations.open_case_file(
            specialist, {"notation": f"NL-0{index}", "title": f"Hồ sơ nộp lưu {kind}", "retention_years": 5}
        )
        records_operations.file_document(case_file, specialist, handled[index].id)
        records_operations.close(case_file, specialist)
        handover = records_operations.propose(specialist, [case_file.id])
        if kind == "received":
            records_operations.receive(handover, archivist)
        built[f"handover:{kind}"] = {"handover_id": handover.id}
    db.session.commit()
    built["file_list_entry"]["entry_id"] = entry.id
    received = db.session.get(Handover, built["handover:received"]["handover_id"])
    built["file:handover_list"] = {"file_id": received.list_file_id, "handover_id": received.id}
    return built


def probe_route(
    client, world: World, key: tuple[str, str], entry: Entry, caller: str, target: Target
) -> str | None:
    """Ask the route as this caller about this target; what went wrong, or None."""
    user_id = world.callers[caller]
    user = db.session.get(User, user_id) if user_id is not None else None
    allowed = key in PUBLIC if user is None else entry.rule(user, target)
    probe = entry.probe(target, user)
    response = client.open(probe.path, method=probe.method, headers=world.headers[caller], **probe.kwargs)
    status, body = response.status_code, response.get_json(silent=True)
    where = f"{probe.method} {probe.path} as {caller} on {target}: {status} {body if status >= 400 else ''}"
    problem = None
    if status >= 500:
        problem = f"server error, {where}"
    elif allowed and status in (401, 403, 404):
        problem = f"refused what the rules allow, {where}"
    elif not allowed and user is None and status != 401:
        problem = f"anonymous not asked to log in, {where}"
    elif not allowed and user is not None and status not in (403, 404):
        problem = f"LEAK: answered what the rules refuse, {where}"
    elif allowed and entry.listed is not None and user is not None:
        try:
            entry.listed(user, target, response)
        except AssertionError as error:
            problem = f"LEAK or loss in a list ({error}), {where}"
    if fingerprint() != world.baseline:
        world.restore()
        if not allowed:
            problem = problem or f"refused but wrote to the database, {where}"
    return problem


def run_probes(
    world_app, world: World, entries: dict[tuple[str, str], Entry], keys, callers
) -> tuple[int, list[str]]:
    client = world_app[0].test_client()
    count, problems = 0, []
    for key in keys:
        entry = entries[key]
        for caller in callers:
            for kind in entry.kinds:
                for target in world.of(kind):
                    count += 1
                    problem = probe_route(client, world, key, entry, caller, target)
                    if problem:
                        problems.append(problem)
    return count, problems


def assert_roles_get_what_the_rules_allow(
    world_app, world: World, entries: dict[tuple[str, str], Entry], key: tuple[str, str]
) -> None:
    """Every signed-in caller on every target of the route's entry gets what the permission rules allow."""
    count, problems = run_probes(world_app, world, entries, [key], [c for c in CALLERS if c != "anonymous"])
    assert count > 0
    assert not problems, f"{len(problems)} of {count} probes:\n" + "\n".join(problems)
