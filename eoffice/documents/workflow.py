"""The one state machine of documents: which action may happen in which state, and by whom.

Every operation that changes a document asks `check()` first, before it looks at its input or
writes anything: an action the current state does not allow is refused with 409, an actor the
policy does not allow with 403, and either way nothing changes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from eoffice.accounts.models import User
from eoffice.api_base import ApiError
from eoffice.documents.models import Direction, Document, Status
from eoffice.documents.policy import Permission, authorize, can


class Action(enum.StrEnum):
    # Entering the system: a document that does not exist yet has the state None.
    RECEIVE = "receive"  # arrived by the axis or by e-mail; waits for a clerk
    CREATE_DRAFT = "create_draft"
    # Incoming
    REGISTER = "register"
    REFUSE = "refuse"
    SUBMIT_FOR_DIRECTION = "submit_for_direction"
    ASSIGN = "assign"
    REASSIGN = "reassign"
    RECORD_PROGRESS = "record_progress"
    ADD_OPINION = "add_opinion"
    MARK_READ = "mark_read"
    COMPLETE = "complete"
    # Outgoing
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    ISSUE = "issue"
    RECALL = "recall"
    CORRECT = "correct"  # an issued document's metadata put right; other agencies get an update package
    REPLACE = "replace"  # the original, when its replacement is issued (or, incoming, has arrived)


@dataclass(frozen=True)
class Transition:
    targets: frozenset[Status]
    # None: no person takes this step; the intake channels (axis, e-mail) do.
    permission: Permission | None


def _to(*targets: Status, by: Permission | None) -> Transition:
    return Transition(frozenset(targets), by)


_IN, _OUT = Direction.INCOMING, Direction.OUTGOING
S, A, P = Status, Action, Permission
# An incoming document taken in and not withdrawn: what its sender may still recall or replace.
_RECEIVED = (
    S.PENDING_REGISTRATION,
    S.REGISTERED,
    S.AWAITING_DIRECTION,
    S.ASSIGNED,
    S.IN_PROGRESS,
    S.COMPLETED,
)

TRANSITIONS: dict[tuple[Direction, Status | None, Action], Transition] = {
    # Incoming: a clerk's upload registers at once; the axis and e-mail wait for a clerk.
    (_IN, None, A.RECEIVE): _to(S.PENDING_REGISTRATION, by=None),
    (_IN, None, A.REGISTER): _to(S.REGISTERED, by=P.CREATE_INCOMING),
    (_IN, S.PENDING_REGISTRATION, A.REGISTER): _to(S.REGISTERED, by=P.REGISTER_DOCUMENT),
    (_IN, S.PENDING_REGISTRATION, A.REFUSE): _to(S.REFUSED, by=P.REGISTER_DOCUMENT),
    (_IN, S.REGISTERED, A.SUBMIT_FOR_DIRECTION): _to(S.AWAITING_DIRECTION, by=P.SUBMIT_FOR_DIRECTION),
    (_IN, S.AWAITING_DIRECTION, A.ASSIGN): _to(S.ASSIGNED, by=P.DIRECT_DOCUMENT),
    (_IN, S.ASSIGNED, A.REASSIGN): _to(S.ASSIGNED, by=P.DIRECT_DOCUMENT),
    (_IN, S.IN_PROGRESS, A.REASSIGN): _to(S.ASSIGNED, by=P.DIRECT_DOCUMENT),
    (_IN, S.ASSIGNED, A.RECORD_PROGRESS): _to(S.IN_PROGRESS, by=P.HANDLE_DOCUMENT),
    (_IN, S.IN_PROGRESS, A.RECORD_PROGRESS): _to(S.IN_PROGRESS, by=P.HANDLE_DOCUMENT),
    (_IN, S.ASSIGNED, A.COMPLETE): _to(S.COMPLETED, by=P.HANDLE_DOCUMENT),
    (_IN, S.IN_PROGRESS, A.COMPLETE): _to(S.COMPLETED, by=P.HANDLE_DOCUMENT),
    (_IN, S.ASSIGNED, A.ADD_OPINION): _to(S.ASSIGNED, by=P.GIVE_OPINION),
    (_IN, S.IN_PROGRESS, A.ADD_OPINION): _to(S.IN_PROGRESS, by=P.GIVE_OPINION),
    (_IN, S.ASSIGNED, A.MARK_READ): _to(S.ASSIGNED, by=P.MARK_DOCUMENT_READ),
    (_IN, S.IN_PROGRESS, A.MARK_READ): _to(S.IN_PROGRESS, by=P.MARK_DOCUMENT_READ),
    (_IN, S.COMPLETED, A.MARK_READ): _to(S.COMPLETED, by=P.MARK_DOCUMENT_READ),
    # The sender recalled it (by the national axis): withdrawn here too, whatever its handling reached.
    **{(_IN, state, A.RECALL): _to(S.RECALLED, by=None) for state in _RECEIVED},
    # The sender replaced it by another document (by the national axis): this one is not handled further.
    **{(_IN, state, A.REPLACE): _to(S.REPLACED, by=None) for state in _RECEIVED},
    # Outgoing: draft, review levels, signature, issuance, recall and replacement.
    (_OUT, None, A.CREATE_DRAFT): _to(S.DRAFT, by=P.CREATE_OUTGOING),
    (_OUT, S.DRAFT, A.EDIT): _to(S.DRAFT, by=P.EDIT_DRAFT),
    (_OUT, S.RETURNED, A.EDIT): _to(S.RETURNED, by=P.EDIT_DRAFT),
    (_OUT, S.DRAFT, A.SUBMIT): _to(S.IN_REVIEW, by=P.EDIT_DRAFT),
    (_OUT, S.RETURNED, A.SUBMIT): _to(S.IN_REVIEW, by=P.EDIT_DRAFT),
    (_OUT, S.IN_REVIEW, A.APPROVE): _to(S.IN_REVIEW, S.AWAITING_SIGNATURE, by=P.REVIEW_DRAFT),
    (_OUT, S.IN_REVIEW, A.RETURN): _to(S.RETURNED, by=P.REVIEW_DRAFT),
    (_OUT, S.AWAITING_SIGNATURE, A.APPROVE): _to(S.APPROVED, by=P.SIGN_DRAFT),
    (_OUT, S.AWAITING_SIGNATURE, A.RETURN): _to(S.RETURNED, by=P.SIGN_DRAFT),
    (_OUT, S.APPROVED, A.ISSUE): _to(S.ISSUED, by=P.ISSUE_DOCUMENT),
    (_OUT, S.ISSUED, A.RECALL): _to(S.RECALLED, by=P.RECALL_DOCUMENT),
    (_OUT, S.ISSUED, A.MARK_READ): _to(S.ISSUED, by=P.MARK_DOCUMENT_READ),
    # The clerk who issues puts right what was written wrong; a new number, type or date is a replacement.
    (_OUT, S.ISSUED, A.CORRECT): _to(S.ISSUED, by=P.ISSUE_DOCUMENT),
    (_OUT, S.ISSUED, A.REPLACE): _to(S.REPLACED, by=P.ISSUE_DOCUMENT),
    (_OUT, S.RECALLED, A.REPLACE): _to(S.REPLACED, by=P.ISSUE_DOCUMENT),
}


def _state_of(document: Document) -> Status | None:
    return Status(document.status) if document.status is not None else None


def allowed_actions(document: Document) -> list[Action]:
    """The actions the current state allows, whoever asks."""
    direction, state = Direction(document.direction), _state_of(document)
    return [action for (d, s, action) in TRANSITIONS if d == direction and s == state]


def actions_for(user: User, document: Document) -> list[Action]:
    """The actions this user may take now (for clients to offer the right buttons)."""
    direction, state = Direction(document.direction), _state_of(document)
    return [
        action
        for (d, s, action), transition in TRANSITIONS.items()
        if d == direction
        and s == state
        and transition.permission is not None
        and can(user, transition.permission, document)
    ]


def check(document: Document, action: Action, actor: User | None) -> Transition:
    """The transition for this action now, or 409 (not in this state) / 403 (not this actor)."""
    state = _state_of(document)
    transition = TRANSITIONS.get((Direction(document.direction), state, action))
    if transition is None:
        allowed = [str(a) for a in allowed_actions(document)]
        raise ApiError(
            409,
            "invalid_state",
            f"action {action} is not allowed in state {state or 'new'} of an {document.direction} document",
            {"state": state, "action": str(action), "allowed_actions": allowed},
        )
    if transition.permission is None:
        if actor is not None:
            raise ApiError(403, "forbidden", f"action {action} is taken by the system, not by a person")
    else:
        authorize(actor, transition.permission, document)
    return transition


def enter(document: Document, transition: Transition, target: Status) -> Status | None:
    """Move to one of the transition's targets; returns the state left."""
    if target not in transition.targets:
        raise ValueError(f"{target} is not a target of this transition ({sorted(transition.targets)})")
    previous = _state_of(document)
    document.status = target
    return previous
