"""The state machine through the API: every allowed transition, and every refused one changing nothing."""

from __future__ import annotations

import pytest

from eoffice.documents.api import ACTIONS
from eoffice.documents.models import Direction, Status
from eoffice.documents.workflow import TRANSITIONS, Action
from tests.eoffice.documents.conftest import snapshot
from tests.factories import create_document

INCOMING_STATES = [
    "pending_registration",
    "refused",
    "registered",
    "awaiting_direction",
    "assigned",
    "in_progress",
    "completed",
]
OUTGOING_STATES = [
    "draft",
    "in_review",
    "returned",
    "awaiting_signature",
    "approved",
    "issued",
    "recalled",
]

# (state, action, who may, body, someone who sees the document but may not)
ALLOWED = [
    ("pending_registration", "register", "clerk", lambda p: {"note": "Đã kiểm tra"}, "leader"),
    ("pending_registration", "refuse", "clerk", lambda p: {"reason": "Gửi nhầm cơ quan"}, "leader"),
    ("registered", "submit_for_direction", "clerk", lambda p: {"leader_id": p.leader.id}, "leader"),
    ("awaiting_direction", "assign", "leader", lambda p: {"primary_user_id": p.handler.id}, "leader2"),
    ("assigned", "reassign", "leader", lambda p: {"primary_user_id": p.colleague.id}, "leader2"),
    ("assigned", "record_progress", "handler", lambda p: {"note": "Đang làm"}, "leader"),
    ("assigned", "complete", "handler", lambda p: {"result_note": "Xong"}, "leader"),
    ("assigned", "add_opinion", "handler", lambda p: {"note": "Ý kiến"}, "leader"),
    ("assigned", "mark_read", "handler", lambda p: {}, "leader"),
    ("in_progress", "reassign", "leader", lambda p: {"primary_unit_id": p.units["KT"]}, "leader2"),
    ("in_progress", "record_progress", "handler", lambda p: {"note": "Gần xong", "percent": 90}, "clerk"),
    ("in_progress", "complete", "handler", lambda p: {"result_note": "Xong"}, "clerk"),
    ("in_progress", "add_opinion", "handler", lambda p: {"note": "Ý kiến"}, "clerk"),
    ("in_progress", "mark_read", "handler", lambda p: {}, "clerk"),
    ("completed", "mark_read", "handler", lambda p: {}, "leader"),
    (
        "draft",
        "submit",
        "handler",
        lambda p: {"reviewer_ids": [p.reviewer.id], "signer_id": p.leader.id},
        "clerk",
    ),
    (
        "returned",
        "submit",
        "handler",
        lambda p: {"reviewer_ids": [p.reviewer2.id, p.reviewer.id], "signer_id": p.leader2.id},
        "clerk",
    ),
    ("in_review", "approve", "reviewer", lambda p: {"comment": "Đồng ý"}, "leader"),
    ("in_review", "return", "reviewer", lambda p: {"comment": "Sửa lại"}, "leader"),
    ("awaiting_signature", "approve", "leader", lambda p: {}, "reviewer"),
    ("awaiting_signature", "return", "leader", lambda p: {"comment": "Chưa ký"}, "reviewer"),
    ("approved", "issue", "clerk", lambda p: {}, "leader"),
    ("issued", "recall", "clerk", lambda p: {"reason": "Sai sót"}, "handler"),
    ("issued", "mark_read", "informed", lambda p: {}, "leader"),
]


def make(status: str, people):
    return create_document(
        status,
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
        metadata={"recipients": [{"user_id": people.informed.id}]} if status in OUTGOING_STATES else None,
    )


def act(client, headers, document_id, action, body):
    return client.post(f"/api/v1/documents/{document_id}/actions/{action}", json=body, headers=headers)


def test_the_table_covers_every_api_action_and_state():
    api_transitions = {
        (d, s, a)
        for (d, s, a), transition in TRANSITIONS.items()
        if a in ACTIONS and s is not None and transition.permission is not None
    }
    assert {
        (Direction.INCOMING if s in INCOMING_STATES else Direction.OUTGOING, s, a) for s, a, *_ in ALLOWED
    } == {(d, s, a) for (d, s, a) in api_transitions}
    assert set(INCOMING_STATES) | set(OUTGOING_STATES) | {"replaced"} == {s.value for s in Status}


@pytest.mark.parametrize(
    "state, action, actor, body, _wrong", ALLOWED, ids=[f"{s}-{a}" for s, a, *_ in ALLOWED]
)
def test_every_allowed_transition_moves_to_its_target(
    client, people, as_user, state, action, actor, body, _wrong
):
    document = make(state, people)
    direction = Direction.INCOMING if state in INCOMING_STATES else Direction.OUTGOING
    before = snapshot(document.id)

    response = act(client, as_user(people.by_name(actor)), document.id, action, body(people))

    assert response.status_code == 200, response.get_json()
    after = snapshot(document.id)
    new_status = response.get_json()["status"]
    assert new_status in TRANSITIONS[(direction, Status(state), Action(action))].targets
    assert after[1] == before[1] + 1, "one trace entry per step"
    assert response.get_json()["trace"][-1]["action"] == action


@pytest.mark.parametrize(
    "state, action, _actor, body, wrong", ALLOWED, ids=[f"{s}-{a}" for s, a, *_ in ALLOWED]
)
def test_an_allowed_action_by_the_wrong_person_is_403_and_changes_nothing(
    client, people, as_user, state, action, _actor, body, wrong
):
    document = make(state, people)
    headers = as_user(people.by_name(wrong))
    assert client.get(f"/api/v1/documents/{document.id}", headers=headers).status_code == 200
    before = snapshot(document.id)

    response = act(client, headers, document.id, action, body(people))

    assert response.status_code == 403, response.get_json()
    assert response.get_json()["error"]["code"] == "forbidden"
    assert snapshot(document.id) == before


@pytest.mark.parametrize("state", INCOMING_STATES + OUTGOING_STATES)
def test_every_action_the_state_does_not_allow_is_409_and_changes_nothing(client, people, as_user, state):
    document = make(state, people)
    direction = Direction.INCOMING if state in INCOMING_STATES else Direction.OUTGOING
    refused = [a for a in ACTIONS if (direction, Status(state), Action(a)) not in TRANSITIONS]
    assert refused
    # The leader sees every open document of the agency: what refuses these is the state alone.
    headers = as_user(people.leader)
    before = snapshot(document.id)
    for action in refused:
        response = act(client, headers, document.id, action, {})
        assert response.status_code == 409, (action, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] == "invalid_state"
        assert state in error["message"] and action in error["message"]
        assert error["details"]["state"] == state
    assert snapshot(document.id) == before


def test_a_replaced_document_allows_no_action(client, people, as_user):
    original = make("issued", people)
    replacement = create_document(
        "issued",
        clerk=people.clerk,
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
        metadata={"replaces_id": original.id},
    )
    assert snapshot(original.id)[0]["status"] == "replaced"
    before = snapshot(original.id)
    for action in ACTIONS:
        assert act(client, as_user(people.leader), original.id, action, {}).status_code == 409
    assert snapshot(original.id) == before
    assert replacement.replaces_id == original.id


def test_an_unknown_action_is_404(client, people, as_user):
    document = make("registered", people)
    response = act(client, as_user(people.clerk), document.id, "approve_everything", {})
    assert response.status_code == 404
    assert "approve_everything" in response.get_json()["error"]["message"]


def test_the_state_is_checked_before_the_body(client, people, as_user):
    document = make("completed", people)
    response = act(client, as_user(people.leader), document.id, "assign", {"primary_user_id": "nobody"})
    assert response.status_code == 409


def test_a_bad_body_for_an_allowed_action_is_422_and_changes_nothing(client, people, as_user):
    document = make("awaiting_direction", people)
    before = snapshot(document.id)
    cases = [
        ({}, "primary_user_id"),
        ({"primary_user_id": people.handler.id, "primary_unit_id": people.units["KT"]}, "primary_user_id"),
        ({"primary_user_id": 99999}, "primary_user_id"),
        ({"primary_user_id": people.outsider_clerk.id}, "primary_user_id"),
        ({"primary_user_id": people.handler.id, "co_handler_ids": [people.handler.id]}, "co_handler_ids"),
        ({"primary_user_id": people.handler.id, "deadline": "ngày mai"}, "deadline"),
        ({"primary_user_id": people.handler.id, "surprise": 1}, "surprise"),
    ]
    for body, field in cases:
        response = act(client, as_user(people.leader), document.id, "assign", body)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["error"]["message"]
    assert snapshot(document.id) == before


def test_allowed_actions_tell_each_reader_what_they_may_do(client, people, as_user):
    document = make("assigned", people)

    def actions_of(user):
        return client.get(f"/api/v1/documents/{document.id}", headers=as_user(user)).get_json()[
            "allowed_actions"
        ]

    assert set(actions_of(people.handler)) == {"record_progress", "complete", "add_opinion", "mark_read"}
    assert actions_of(people.leader) == ["reassign"]
    assert actions_of(people.clerk) == []


def test_only_the_sender_recalls_an_incoming_document_not_a_person_here(client, people, as_user):
    document = make("registered", people)
    before = snapshot(document.id)

    response = act(client, as_user(people.clerk), document.id, "recall", {"reason": "Thu hồi"})

    assert response.status_code == 403, response.get_json()
    assert "taken by the system" in response.get_json()["error"]["message"]
    assert snapshot(document.id) == before


@pytest.mark.parametrize(
    "body, status",
    [({"primary_user_id": "handler"}, 200), ({"primary_user_id": "nobody"}, 422)],
    ids=["valid body", "bad body"],
)
def test_an_action_checks_the_state_and_the_actor_once(client, people, as_user, monkeypatch, body, status):
    from eoffice.documents import workflow

    document = make("awaiting_direction", people)
    checked = []
    check = workflow.check

    def counting_check(document, action, actor):
        checked.append(action)
        return check(document, action, actor)

    monkeypatch.setattr(workflow, "check", counting_check)
    if body["primary_user_id"] == "handler":
        body = {"primary_user_id": people.handler.id}
    response = act(client, as_user(people.leader), document.id, "assign", body)
    assert response.status_code == status, response.get_json()
    assert checked == [Action.ASSIGN]
