"""Every permission rule of meetings, in one place: who sees, manages, presents and votes."""

from __future__ import annotations

from eoffice.accounts.models import Role, User
from eoffice.api_base import ApiError
from meetings.models import AgendaItem, Meeting, MeetingDocument

# Roles that may organise a meeting for their agency.
ORGANISER_ROLES = (Role.CLERK, Role.LEADER, Role.ADMIN)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def may_organise(user: User) -> bool:
    return user.is_active and any(user.has_role(role) for role in ORGANISER_ROLES)


def is_invitee(user: User, meeting: Meeting) -> bool:
    return meeting.participant(user.id) is not None


def may_view(user: User, meeting: Meeting) -> bool:
    return meeting.organiser_id == user.id or is_invitee(user, meeting)


def may_manage(user: User, meeting: Meeting) -> bool:
    """Organiser, chair or secretary: edit, invite, start, close, distribute documents."""
    return user.id in (meeting.organiser_id, meeting.chair_id, meeting.secretary_id)


def may_chair(user: User, meeting: Meeting) -> bool:
    """Runs the room: speakers, votes, designating the presenter (the secretary assists)."""
    return user.id in (meeting.chair_id, meeting.secretary_id)


def may_present(user: User, meeting: Meeting) -> bool:
    return may_chair(user, meeting) or (
        meeting.designated_presenter_id is not None and meeting.designated_presenter_id == user.id
    )


def may_vote(user: User, meeting: Meeting) -> bool:
    participant = meeting.participant(user.id)
    return participant is not None and participant.is_voting


def may_see_item(user: User, item: AgendaItem | None) -> bool:
    """A confidential item is for the people named on it (its creator and presenter are named)."""
    if item is None or not item.is_confidential:
        return True
    return user.id in item.named_user_ids or user.id in (item.created_by_id, item.presenter_id)


def may_read_document(user: User, meeting: Meeting, document: MeetingDocument) -> bool:
    """Invitees (and the organiser) only; a confidential item's documents only for its named people."""
    return may_view(user, meeting) and may_see_item(user, document.agenda_item)


def may_upload(user: User, meeting: Meeting, item: AgendaItem | None) -> bool:
    if not may_see_item(user, item):
        return False
    return may_manage(user, meeting) or (item is not None and item.presenter_id == user.id)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise forbidden(message)
