"""The state machine of case files: which action may happen in which state, by whom, and when a reason is due.

The shape of eoffice/documents/workflow.py: an action enum and a transitions table whose every entry carries
its permission; `actions_for` derives what a client offers. Every operation asks `check()` before it looks
at its input or writes anything. A closed case file changes no more except by an archivist, who gives the
reason (kept in its history): to its responsible person such a change is refused with 409, the state's
refusal, not 403.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from eoffice.accounts.models import User
from eoffice.api_base import ApiError, invalid
from eoffice.auth.policy import not_allowed
from eoffice.records.models import CaseFile, CaseFileStatus
from eoffice.records.policy import Permission, authorize, can


class Action(enum.StrEnum):
    OPEN = "open"
    EDIT = "edit"
    FILE_DOCUMENT = "file_document"
    REMOVE_DOCUMENT = "remove_document"
    REORDER = "reorder"
    CLOSE = "close"
    REOPEN = "reopen"
    PROPOSE_HANDOVER = "propose_handover"
    RECEIVE = "receive"


@dataclass(frozen=True)
class Transition:
    target: CaseFileStatus
    permission: Permission
    # An archivist's change of a closed case file says why.
    needs_reason: bool = False


S, A, P = CaseFileStatus, Action, Permission
_CHANGES = (A.EDIT, A.FILE_DOCUMENT, A.REMOVE_DOCUMENT, A.REORDER)

TRANSITIONS: dict[tuple[CaseFileStatus | None, Action], Transition] = {
    (None, A.OPEN): Transition(S.OPEN, P.OPEN_CASE_FILE),
    **{(S.OPEN, action): Transition(S.OPEN, P.MANAGE_CASE_FILE) for action in _CHANGES},
    (S.OPEN, A.CLOSE): Transition(S.CLOSED, P.MANAGE_CASE_FILE),
    **{(S.CLOSED, action): Transition(S.CLOSED, P.AMEND_CLOSED_CASE_FILE, True) for action in _CHANGES},
    (S.CLOSED, A.REOPEN): Transition(S.OPEN, P.AMEND_CLOSED_CASE_FILE, True),
    (S.CLOSED, A.PROPOSE_HANDOVER): Transition(S.PROPOSED, P.PROPOSE_HANDOVER),
    # Until the archive receives it, the archivist may still put a proposed case file right.
    **{(S.PROPOSED, action): Transition(S.PROPOSED, P.AMEND_CLOSED_CASE_FILE, True) for action in _CHANGES},
    (S.PROPOSED, A.RECEIVE): Transition(S.ARCHIVED, P.RECEIVE_HANDOVER),
    # Archived: read-only.
}

# Steps a case file's page does not offer: opening comes before it, receipt is the hand-over's.
ROUTED_ELSEWHERE = frozenset({A.OPEN, A.RECEIVE})


def _state_of(case_file: CaseFile | None) -> CaseFileStatus | None:
    return CaseFileStatus(case_file.status) if case_file is not None else None


def allowed_actions(case_file: CaseFile | None) -> list[Action]:
    state = _state_of(case_file)
    return [action for (s, action) in TRANSITIONS if s == state]


def _permits(user: User, transition: Transition, case_file: CaseFile) -> bool:
    # Receiving is asked of the hand-over's agency, which is the case file's.
    target = case_file.handover if transition.permission is P.RECEIVE_HANDOVER else case_file
    return can(user, transition.permission, target)


def actions_for(user: User, case_file: CaseFile) -> list[Action]:
    """What this user may do now on this case file (for the client's buttons)."""
    state = _state_of(case_file)
    return [
        action
        for (s, action), transition in TRANSITIONS.items()
        if s == state and action not in ROUTED_ELSEWHERE and _permits(user, transition, case_file)
    ]


def refusal(case_file: CaseFile, action: Action, actor: User) -> ApiError | None:
    """Why this actor may not take this action now (409 for the state, 403 for the actor), or None."""
    state = _state_of(case_file)
    transition = TRANSITIONS.get((state, action))
    allowed = [str(a) for a in allowed_actions(case_file)]
    if transition is None:
        return ApiError(
            409,
            "invalid_state",
            f"cannot {action} a case file that is {state}",
            {"status": state, "action": str(action), "allowed_actions": allowed},
        )
    if _permits(actor, transition, case_file):
        return None
    if transition.permission is P.AMEND_CLOSED_CASE_FILE and can(actor, P.MANAGE_CASE_FILE, case_file):
        return ApiError(
            409,
            "invalid_state",
            f"the case file is {state}: only an archivist changes it now, giving the reason",
            {"status": state, "action": str(action), "allowed_actions": []},
        )
    return not_allowed(transition.permission)


def check(case_file: CaseFile, action: Action, actor: User, reason: str | None = None) -> Transition:
    """The transition for this action now, or 409 / 403; 422 naming `reason` when one is due and missing."""
    error = refusal(case_file, action, actor)
    if error is not None:
        raise error
    transition = TRANSITIONS[(_state_of(case_file), action)]
    if transition.needs_reason and not (reason or "").strip():
        raise invalid("reason", f"an archivist's change of a {case_file.status} case file says why")
    return transition


def check_open(actor: User, agency_id: str) -> Transition:
    transition = TRANSITIONS[(None, A.OPEN)]
    authorize(actor, transition.permission, agency_id)
    return transition
