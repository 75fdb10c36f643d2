"""The matrix's records routes: the file list, case files and hand-overs (`eoffice.records.policy`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import TestResponse

from eoffice.accounts.models import User
from eoffice.extensions import db
from eoffice.records import workflow as records_workflow
from eoffice.records.models import CaseFile, Handover
from tests.authorization.helpers import (
    Entry,
    Probe,
    R,
    Target,
    anyone,
    can,
    get,
    ids_of,
    load_handover,
    on_own_agency,
    permits,
    send,
)
from tests.authorization.world import assert_roles_get_what_the_rules_allow

CASE_FILES = ("case_file:open", "case_file:closed")
HANDOVERS = ("handover:proposed", "handover:received")
CASE_FILE_ACTIONS = (
    "case_file:open@file_document",
    "case_file:open@remove_document",
    "case_file:open@reorder",
    "case_file:open@close",
    "case_file:closed@file_document",
    "case_file:closed@reopen",
)


def _case_file(t: Target) -> CaseFile:
    return db.session.get(CaseFile, t.case_file_id)


def _acts_on_case_file(action: str | None = None) -> Callable[[User, Target], bool]:
    """The route reads the case file (VIEW_CASE_FILE), then its workflow: a state that refuses the step is
    a 409 (not a refusal), otherwise the transition's own permission decides."""

    def rule(user: User, t: Target) -> bool:
        case_file = _case_file(t)
        if not can(user, R.VIEW_CASE_FILE, case_file):
            return False
        refused = records_workflow.refusal(case_file, records_workflow.Action(action or t.variant), user)
        return refused is None or refused.status == 409

    return rule


def _lists_visible_handovers(user: User, t: Target, response: TestResponse) -> None:
    visible = {
        h.id
        for h in db.session.scalars(sa.select(Handover).where(Handover.agency_id == user.agency_id))
        if can(user, R.VIEW_HANDOVER, h)
    }
    assert ids_of(response.get_json()) == visible, "hand-overs listed"


def _lists_visible_case_files(user: User, t: Target, response: TestResponse) -> None:
    visible = {cf.id for cf in db.session.scalars(sa.select(CaseFile)) if can(user, R.VIEW_CASE_FILE, cf)}
    assert ids_of(response.get_json()["items"]) == visible, "case files listed"


RECORDS: dict[tuple[str, str], Entry] = {
    # Records: the file list, case files.
    ("GET", "/api/v1/records/file-list"): Entry(
        ("agency@json", "agency@csv"),
        get("/api/v1/records/file-list?year=2026&format={t.variant}&agency_id={t.agency_id}"),
        permits(R.VIEW_FILE_LIST),
    ),
    ("POST", "/api/v1/records/file-list"): Entry(
        ("agency",),
        lambda t, user: Probe(
            "POST",
            "/api/v1/records/file-list",
            {
                "json": {
                    "year": 2026,
                    "agency_id": t.agency_id,
                    "heading": "Văn phòng",
                    "notation": "MOI-01",
                    "title": "Hồ sơ mới",
                    "retention_years": 5,
                }
            },
        ),
        permits(R.MANAGE_FILE_LIST),
    ),
    ("PATCH", "/api/v1/records/file-list/<int:entry_id>"): Entry(
        ("file_list_entry",),
        send("PATCH", "/api/v1/records/file-list/{t.entry_id}", json={"title": "Tên mới"}),
        permits(R.MANAGE_FILE_LIST),
    ),
    ("DELETE", "/api/v1/records/file-list/<int:entry_id>"): Entry(
        ("file_list_entry",),
        send("DELETE", "/api/v1/records/file-list/{t.entry_id}"),
        permits(R.MANAGE_FILE_LIST),
    ),
    ("POST", "/api/v1/records/file-list/copy"): Entry(
        ("agency",),
        lambda t, user: Probe(
            "POST",
            "/api/v1/records/file-list/copy",
            {"json": {"from_year": 2026, "to_year": 2027, "agency_id": t.agency_id}},
        ),
        permits(R.MANAGE_FILE_LIST),
    ),
    ("GET", "/api/v1/records/case-files"): Entry(
        ("caller",), get("/api/v1/records/case-files?limit=200"), anyone, listed=_lists_visible_case_files
    ),
    ("POST", "/api/v1/records/case-files"): Entry(
        ("caller",),
        send(
            "POST",
            "/api/v1/records/case-files",
            json={"notation": "MOI-02", "title": "Hồ sơ mới", "retention_years": 5},
        ),
        on_own_agency(R.OPEN_CASE_FILE),
    ),
    ("GET", "/api/v1/records/case-files/<int:case_file_id>"): Entry(
        CASE_FILES,
        get("/api/v1/records/case-files/{t.case_file_id}"),
        permits(R.VIEW_CASE_FILE, _case_file),
    ),
    ("PATCH", "/api/v1/records/case-files/<int:case_file_id>"): Entry(
        CASE_FILES,
        send(
            "PATCH", "/api/v1/records/case-files/{t.case_file_id}", json={"title": "Tên mới", "reason": "Sửa"}
        ),
        _acts_on_case_file("edit"),
    ),
    ("POST", "/api/v1/records/case-files/<int:case_file_id>/actions/<action>"): Entry(
        CASE_FILE_ACTIONS,
        lambda t, user: Probe(
            "POST",
            f"/api/v1/records/case-files/{t.case_file_id}/actions/{t.variant}",
            {
                "json": {
                    "file_document": {"document_id": t.spare_document_id, "reason": "Bổ sung"},
                    "remove_document": {"document_id": t.filed_document_id},
                    "reorder": {"document_ids": [t.filed_document_id]},
                    "reopen": {"reason": "Bổ sung"},
                }.get(t.variant, {})
            },
        ),
        _acts_on_case_file(),
    ),
    ("GET", "/api/v1/records/handovers"): Entry(
        ("caller",), get("/api/v1/records/handovers"), anyone, listed=_lists_visible_handovers
    ),
    ("POST", "/api/v1/records/handovers"): Entry(
        ("case_file:closed",),
        lambda t, user: Probe(
            "POST", "/api/v1/records/handovers", {"json": {"case_file_ids": [t.case_file_id]}}
        ),
        _acts_on_case_file("propose_handover"),
    ),
    ("GET", "/api/v1/records/handovers/<int:handover_id>"): Entry(
        HANDOVERS, get("/api/v1/records/handovers/{t.handover_id}"), permits(R.VIEW_HANDOVER, load_handover)
    ),
    ("POST", "/api/v1/records/handovers/<int:handover_id>/receive"): Entry(
        HANDOVERS,
        send("POST", "/api/v1/records/handovers/{t.handover_id}/receive"),
        lambda user, t: (
            can(user, R.VIEW_HANDOVER, load_handover(t)) and can(user, R.RECEIVE_HANDOVER, load_handover(t))
        ),
    ),
    ("GET", "/api/v1/records/handovers/<int:handover_id>/export"): Entry(
        HANDOVERS,
        get("/api/v1/records/handovers/{t.handover_id}/export"),
        lambda user, t: (
            can(user, R.VIEW_HANDOVER, load_handover(t)) and can(user, R.EXPORT_HANDOVER, load_handover(t))
        ),
    ),
}


@pytest.mark.parametrize("key", sorted(RECORDS), ids=" ".join)
def test_each_role_gets_from_the_route_what_the_permission_rules_allow(world_app, world, key):
    assert_roles_get_what_the_rules_allow(world_app, world, RECORDS, key)
