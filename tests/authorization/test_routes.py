"""The whole matrix: every API route has an entry, anonymous callers are asked to log in, nested
routes keep to their parent."""

from __future__ import annotations

from tests.authorization.helpers import EXCLUDED, SIDES
from tests.authorization.test_documents import DOCUMENTS
from tests.authorization.test_meetings import MEETINGS
from tests.authorization.test_platform import PLATFORM
from tests.authorization.test_records import RECORDS
from tests.authorization.world import fingerprint, run_probes

MATRIX = PLATFORM | DOCUMENTS | RECORDS | MEETINGS


def _api_routes(flask_app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in flask_app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_api_route_has_an_entry_in_the_matrix(world_app):
    routes = _api_routes(world_app[0])
    assert routes - set(MATRIX) - set(EXCLUDED) == set(), "routes without an entry in the matrix"
    assert (set(MATRIX) | set(EXCLUDED)) - routes == set(), "entries for routes that do not exist"


def test_anonymous_callers_are_asked_to_log_in_except_for_tokens_and_signed_links(world_app, world):
    count, problems = run_probes(world_app, world, MATRIX, sorted(MATRIX), ["anonymous"])
    assert count > len(MATRIX)
    assert not problems, f"{len(problems)} of {count} probes:\n" + "\n".join(problems)


def test_nested_routes_never_serve_a_child_of_another_parent(world_app, world):
    """The caller may read the parent: a child of another parent named under it is not found there."""
    client = world_app[0].test_client()
    own, other = (
        {t.kind: t for found in world.targets.values() for t in found if t.side == side} for side in SIDES
    )
    meeting, foreign = own["meeting"].meeting_id, other["meeting_document:ordinary"]
    probes = [
        (
            "GET",
            f"/api/v1/documents/{own['document:open'].document_id}/files/{own['file:draft'].file_id}",
            {},
        ),
        ("GET", f"/api/v1/meetings/{meeting}/documents/{foreign.meeting_document_id}", {}),
        ("GET", f"/api/v1/meetings/{meeting}/documents/{foreign.meeting_document_id}/content", {}),
        ("GET", f"/api/v1/meetings/{meeting}/opinions/{other['poll'].poll_id}", {}),
        ("PATCH", f"/api/v1/meetings/{meeting}/agenda/{foreign.item_id}", {"json": {"title": "Đổi tên"}}),
        (
            "POST",
            f"/api/v1/meetings/{meeting}/documents",
            {"data": {"agenda_item_id": str(foreign.item_id)}, "content_type": "multipart/form-data"},
        ),
    ]
    for method, path, kwargs in probes:
        response = client.open(path, method=method, headers=world.headers["clerk"], **kwargs)
        assert response.status_code == 404, (method, path, response.get_json())
        assert response.get_json()["error"]["code"] == "not_found"
    assert fingerprint() == world.baseline
