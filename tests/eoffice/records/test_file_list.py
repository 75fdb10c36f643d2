"""The file list's entries: changed and deleted by the office, each offering only what its reader may do."""

from __future__ import annotations

from sqlalchemy import select

from eoffice.extensions import db
from eoffice.records.models import CaseFile, FileListEntry
from tests.eoffice.records.conftest import CASE_FILES

FILE_LIST = "/api/v1/records/file-list"


def add_entry(client, headers, notation: str, title: str):
    body = {"year": 2026, "heading": "Văn phòng", "notation": notation, "title": title, "retention_years": 5}
    response = client.post(FILE_LIST, json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stored(entry_id: int) -> tuple | None:
    db.session.expire_all()
    entry = db.session.get(FileListEntry, entry_id)
    if entry is None:
        return None
    return entry.notation, entry.title, entry.retention_years, entry.responsible_id


def test_the_office_changes_an_entry_and_a_refused_change_leaves_it_as_it_was(client, people, as_user):
    clerk = as_user(people.clerk)
    first = add_entry(client, clerk, "VP-01", "Hồ sơ hội nghị tổng kết")
    second = add_entry(client, clerk, "VP-02", "Hồ sơ thi đua")

    taken = client.patch(f"{FILE_LIST}/{second['id']}", json={"notation": "VP-01"}, headers=clerk)
    blank = client.patch(f"{FILE_LIST}/{second['id']}", json={"title": "  "}, headers=clerk)
    by_specialist = client.patch(
        f"{FILE_LIST}/{second['id']}", json={"title": "Khác"}, headers=as_user(people.handler)
    )
    changed = client.patch(
        f"{FILE_LIST}/{second['id']}",
        json={
            "notation": "VP-03",
            "title": "Hồ sơ thi đua, khen thưởng",
            "retention_years": None,
            "responsible_id": people.handler.id,
        },
        headers=clerk,
    )

    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "case_file_code_taken"
    assert taken.get_json()["error"]["details"]["json"]["notation"] == ["VP-01 exists in 2026"]
    assert blank.status_code == 422 and "title" in blank.get_json()["error"]["details"]["json"]
    assert by_specialist.status_code == 403
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["allowed_actions"] == ["edit", "delete"]
    assert stored(second["id"]) == ("VP-03", "Hồ sơ thi đua, khen thưởng", None, people.handler.id)
    assert stored(first["id"]) == ("VP-01", "Hồ sơ hội nghị tổng kết", 5, None)


def test_entries_offer_edit_and_delete_to_the_office_only(client, people, as_user):
    add_entry(client, as_user(people.clerk), "VP-01", "Hồ sơ hội nghị tổng kết")

    def offered(user):
        listed = client.get(f"{FILE_LIST}?year=2026", headers=as_user(user))
        assert listed.status_code == 200, listed.get_json()
        return [entry["allowed_actions"] for entry in listed.get_json()]

    assert offered(people.clerk) == [["edit", "delete"]]
    assert offered(people.admin) == [["edit", "delete"]]
    assert offered(people.handler) == [[]]
    assert offered(people.leader) == [[]]


def test_a_deleted_entry_leaves_the_case_files_opened_from_it_their_notation_and_title(
    client, people, as_user
):
    clerk = as_user(people.clerk)
    entry = add_entry(client, clerk, "VP-01", "Hồ sơ hội nghị tổng kết")
    opened = client.post(
        CASE_FILES, json={"file_list_entry_id": entry["id"]}, headers=as_user(people.handler)
    )
    assert opened.status_code == 201, opened.get_json()

    refused = client.delete(f"{FILE_LIST}/{entry['id']}", headers=as_user(people.handler))
    kept = stored(entry["id"])
    deleted = client.delete(f"{FILE_LIST}/{entry['id']}", headers=clerk)
    again = client.delete(f"{FILE_LIST}/{entry['id']}", headers=clerk)

    assert refused.status_code == 403 and kept is not None
    assert deleted.status_code == 204
    assert again.status_code == 404
    assert stored(entry["id"]) is None
    db.session.expire_all()
    case_file = db.session.scalar(select(CaseFile).where(CaseFile.id == opened.get_json()["id"]))
    assert (case_file.notation, case_file.title, case_file.file_list_entry_id) == (
        "VP-01",
        "Hồ sơ hội nghị tổng kết",
        None,
    )
