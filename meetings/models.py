"""Meetings, their participants, agenda, documents, live room state and minutes (all in the database)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from eoffice.accounts.models import User
from eoffice.db import Base, UTCDateTime, utcnow
from eoffice.storage.models import StoredFile


class MeetingStatus(enum.StrEnum):
    DRAFT = "draft"
    INVITED = "invited"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class OfflineDownload(enum.StrEnum):
    """When a tablet fetches the meeting book (documents) for offline reading without being asked."""

    MANUAL = "manual"  # only when its user asks
    ON_INVITATION = "on_invitation"  # as soon as it learns of the invitation
    DAY_BEFORE = "day_before"  # from the day before the meeting


class ParticipantRole(enum.StrEnum):
    CHAIR = "chair"
    SECRETARY = "secretary"
    DELEGATE = "delegate"
    GUEST = "guest"


# Who counts for quorum and may vote: the chair and the delegates (not the secretary, not guests).
VOTING_ROLES = frozenset({ParticipantRole.CHAIR, ParticipantRole.DELEGATE})


class AttendanceMode(enum.StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"


class SpeakerStatus(enum.StrEnum):
    WAITING = "waiting"
    SPEAKING = "speaking"
    DONE = "done"
    WITHDRAWN = "withdrawn"


class MinutesStatus(enum.StrEnum):
    DRAFT = "draft"  # the secretary writes (from the start of the meeting)
    SUBMITTED = "submitted"  # with the chair, after the meeting; nobody edits
    RETURNED = "returned"  # sent back by the chair with a comment; the secretary edits again
    APPROVED = "approved"  # frozen, rendered to PDF, announced to the participants


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    location: Mapped[str] = mapped_column(String(300), default="")
    online_link: Mapped[str | None] = mapped_column(String(500))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=MeetingStatus.DRAFT, index=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    quorum_percent: Mapped[int] = mapped_column(Integer, default=50)
    # When tablets fetch the meeting book for offline reading by themselves (OfflineDownload).
    offline_download: Mapped[str] = mapped_column(String(16), default="manual")
    # The calendar entry sent with invitations: same UID for every update, SEQUENCE raised each time.
    calendar_uid: Mapped[str] = mapped_column(String(100), unique=True)
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Live room: what is on every screen. presentation_seq rises by one per change.
    designated_presenter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    presentation_seq: Mapped[int] = mapped_column(Integer, default=0)
    presentation_document_id: Mapped[int | None] = mapped_column(Integer)
    presentation_page: Mapped[int | None] = mapped_column(Integer)
    presentation_presenter_id: Mapped[int | None] = mapped_column(Integer)
    current_agenda_item_id: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    participants: Mapped[list[MeetingParticipant]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingParticipant.id"
    )
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )

    def _participants_unloaded(self) -> bool:
        """A stored meeting whose participant list is not in memory yet: ask the database for one row.

        A room of two thousand delegates would otherwise load every participant on each join."""
        return "participants" not in self.__dict__ and inspect(self).persistent

    def participant(self, user_id: int) -> MeetingParticipant | None:
        if self._participants_unloaded():
            return object_session(self).scalar(
                select(MeetingParticipant).where(
                    MeetingParticipant.meeting_id == self.id, MeetingParticipant.user_id == user_id
                )
            )
        return next((p for p in self.participants if p.user_id == user_id), None)

    def user_with_role(self, role: ParticipantRole) -> int | None:
        if self._participants_unloaded():
            return object_session(self).scalar(
                select(MeetingParticipant.user_id)
                .where(MeetingParticipant.meeting_id == self.id, MeetingParticipant.role == role)
                .order_by(MeetingParticipant.id)
                .limit(1)
            )
        return next((p.user_id for p in self.participants if p.role == role), None)

    @property
    def chair_id(self) -> int | None:
        return self.user_with_role(ParticipantRole.CHAIR)

    @property
    def secretary_id(self) -> int | None:
        return self.user_with_role(ParticipantRole.SECRETARY)


class MeetingRoomVersion(Base):
    """How many changes the room state of a meeting has seen, apart from the meeting's own row.

    Database triggers (migration 0011) raise it on every insert, update and delete of the rows the
    join state is built from (participants, agenda, documents, speakers, votes, shared annotations,
    minutes), in the same transaction, whichever process or path makes the change: a process may
    keep the part of the state every participant shares while this number has not moved.
    """

    __tablename__ = "meeting_room_versions"

    # No foreign key: the triggers of rows deleted with their meeting run after the meeting is gone.
    meeting_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)


class MeetingParticipant(Base):
    __tablename__ = "meeting_participants"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    attendance_mode: Mapped[str | None] = mapped_column(String(16))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="participants")
    user: Mapped[User] = relationship()

    @property
    def is_voting(self) -> bool:
        return self.role in VOTING_ROLES


class AgendaItem(Base):
    __tablename__ = "meeting_agenda_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    presenter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    named: Mapped[list[AgendaItemAccess]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AgendaItemAccess.user_id"
    )

    @property
    def named_user_ids(self) -> list[int]:
        return [row.user_id for row in self.named]


class AgendaItemAccess(Base):
    """A person named on a confidential agenda item: only they see it and its documents."""

    __tablename__ = "meeting_agenda_item_access"

    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_agenda_items.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class MeetingDocument(Base):
    __tablename__ = "meeting_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_agenda_items.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    name: Mapped[str] = mapped_column(String(255))
    # Pages of a PDF; None for any other kind of file (shown as one page).
    page_count: Mapped[int | None] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agenda_item: Mapped[AgendaItem | None] = relationship()
    file: Mapped[StoredFile] = relationship()


class SpeakerRequest(Base):
    __tablename__ = "meeting_speakers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default=SpeakerStatus.WAITING)
    position: Mapped[int] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Vote(Base):
    __tablename__ = "meeting_votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(500))
    options: Mapped[list[str]] = mapped_column(JSON)
    is_secret: Mapped[bool] = mapped_column(Boolean, default=False)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Frozen at close: {"counts": {...}, "votes_cast", "present", "eligible", "quorum_met", "passed"}.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class VoteTally(Base):
    """How many chose an option: a counter, so a secret ballot leaves no row to link to a voter."""

    __tablename__ = "meeting_vote_tallies"

    vote_id: Mapped[int] = mapped_column(ForeignKey("meeting_votes.id", ondelete="CASCADE"), primary_key=True)
    option: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class VoteCast(Base):
    """That a participant has voted (one per vote); the choice only for an open vote, no time."""

    __tablename__ = "meeting_vote_casts"

    vote_id: Mapped[int] = mapped_column(ForeignKey("meeting_votes.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    option: Mapped[str | None] = mapped_column(String(100))


class Annotation(Base):
    __tablename__ = "meeting_annotations"
    # A device's offline outbox sends a creation again until it hears the answer: its id makes it once.
    __table_args__ = (Index("ix_meeting_annotations_author_client", "author_id", "client_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("meeting_documents.id", ondelete="CASCADE"))
    page: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    is_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The UUID the author's device gave the annotation; None from a client that gives none.
    client_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OpinionPoll(Base):
    """Written opinion collection (phiếu lấy ý kiến): each voting member answers once by the deadline."""

    __tablename__ = "meeting_opinion_polls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(1000))
    options: Mapped[list[str]] = mapped_column(JSON)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    answers: Mapped[list[OpinionAnswer]] = relationship(
        cascade="all, delete-orphan", order_by="OpinionAnswer.answered_at"
    )


class OpinionAnswer(Base):
    __tablename__ = "meeting_opinion_answers"
    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_opinion_polls.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    option: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeetingMinutes(Base):
    """The minutes (biên bản) of a meeting: one row from the start of the meeting on."""

    __tablename__ = "meeting_minutes"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=MinutesStatus.DRAFT)
    # Rises by one on every change (an edit of any section, a step of the status): events carry it.
    # Its row is locked by each change, so the changes of one meeting's minutes never interleave.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_comment: Mapped[str | None] = mapped_column(Text)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pdf_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pdf_file: Mapped[StoredFile | None] = relationship()


class MinutesSection(Base):
    """The minutes of one agenda item (its text and conclusion), or the general part (no item).

    `version` rises by one per edit: an edit names the version it was based on and is refused when
    that is no longer the current one, so two devices never silently overwrite each other."""

    __tablename__ = "meeting_minutes_sections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_minutes.meeting_id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_agenda_items.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text, default="")
    conclusion: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
