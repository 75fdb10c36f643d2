"""The minutes as a whole document: attendance with names and vote results added, and its PDF."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from eoffice.accounts.models import User
from eoffice.extensions import db
from eoffice.mail.operations import VIETNAM
from eoffice.pdfgen import text_pdf
from meetings import workflow
from meetings.minutes.queries import closed_votes, minutes_state, sections_of
from meetings.models import VOTING_ROLES, Meeting, MeetingMinutes, MeetingParticipant
from meetings.room.attendance import quorum_met

ROLE_NAMES = {"chair": "Chủ trì", "secretary": "Thư ký", "delegate": "Đại biểu", "guest": "Khách mời"}
MODE_NAMES = {"in_person": "trực tiếp", "online": "trực tuyến"}


def attendance(meeting: Meeting) -> dict[str, Any]:
    """Who attended and who did not, with names, and the quorum: written into the minutes as is."""
    rows = db.session.execute(
        select(MeetingParticipant, User.full_name)
        .join(User, User.id == MeetingParticipant.user_id)
        .where(MeetingParticipant.meeting_id == meeting.id)
        .order_by(MeetingParticipant.id)
    ).all()

    def person(participant: MeetingParticipant, name: str) -> dict[str, Any]:
        return {
            "user_id": participant.user_id,
            "full_name": name,
            "role": participant.role,
            "mode": participant.attendance_mode,
        }

    present = [person(p, name) for p, name in rows if p.checked_in_at is not None]
    absent = [person(p, name) for p, name in rows if p.checked_in_at is None]
    voting_present = sum(1 for p in present if p["role"] in VOTING_ROLES)
    voting_total = sum(1 for p, _ in rows if p.role in VOTING_ROLES)
    return {
        "present": present,
        "absent": absent,
        "voting_present": voting_present,
        "voting_total": voting_total,
        "quorum_met": quorum_met(voting_present, voting_total, meeting.quorum_percent),
    }


def minutes_record(meeting: Meeting, user: User) -> dict[str, Any] | None:
    """What GET …/minutes answers: the room's view of the minutes plus the attendance with names, and the
    steps this user may take now."""
    state = minutes_state(meeting, user)
    if state is None:
        return None
    actions = workflow.minutes_actions_for(user, meeting, state["status"])
    return {**state, "attendance": attendance(meeting), "allowed_actions": [str(a) for a in actions]}


def _local(moment) -> str:
    return f"{moment.astimezone(VIETNAM):%H giờ %M ngày %d/%m/%Y}"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _vote_line(number: int, vote: dict[str, Any]) -> str:
    result = vote["result"] or {}
    counts = "; ".join(f"{option}: {count}" for option, count in (result.get("counts") or {}).items())
    outcome = "Thông qua" if result.get("passed") else "Không thông qua"
    if not result.get("quorum_met"):
        outcome += " (không đủ số thành viên có mặt theo quy định)"
    kind = "bỏ phiếu kín" if vote["is_secret"] else "biểu quyết công khai"
    return (
        f"{number}. {vote['question']} ({kind}) — {counts}. Số phiếu: {result.get('votes_cast', 0)}"
        f"/{result.get('eligible', 0)}. Kết quả: {outcome}."
    )


def minutes_pdf(meeting: Meeting, minutes: MeetingMinutes) -> bytes:
    """The approved minutes as issued to every invitee: confidential items have minutes of their own."""
    items = [item for item in meeting.agenda_items if not item.is_confidential]
    sections = sections_of(meeting, items)
    people = attendance(meeting)
    names = {p["user_id"]: p["full_name"] for p in people["present"] + people["absent"]}
    started = meeting.started_at or meeting.starts_at
    ended = meeting.closed_at or meeting.ends_at

    paragraphs = [
        meeting.title,
        "I. THỜI GIAN, ĐỊA ĐIỂM",
        f"Bắt đầu lúc {_local(started)}, kết thúc lúc {_local(ended)}.",
        f"Địa điểm: {meeting.location or meeting.online_link or '—'}.",
        "II. THÀNH PHẦN THAM DỰ",
        f"Chủ trì: {names.get(meeting.chair_id, '—')}. Thư ký: {names.get(meeting.secretary_id, '—')}.",
        f"Có mặt {people['voting_present']}/{people['voting_total']} thành viên có quyền biểu quyết"
        f" ({'đủ' if people['quorum_met'] else 'không đủ'} số lượng theo quy định).",
    ]
    for p in people["present"]:
        mode = MODE_NAMES.get(p["mode"] or "", "")
        paragraphs.append(f"- {p['full_name']} ({ROLE_NAMES.get(p['role'], p['role'])}, {mode})")
    if people["absent"]:
        paragraphs.append("Vắng mặt:")
        paragraphs += [
            f"- {p['full_name']} ({ROLE_NAMES.get(p['role'], p['role'])})" for p in people["absent"]
        ]

    paragraphs.append("III. NỘI DUNG CUỘC HỌP")
    general, by_item = sections[0], sections[1:]
    paragraphs += _lines(general["text"])
    for number, (item, section) in enumerate(zip(items, by_item, strict=True), start=1):
        paragraphs.append(f"{number}. {item.title}")
        paragraphs += _lines(section["text"])
        if section["conclusion"].strip():
            paragraphs.append("Kết luận:")
            paragraphs += _lines(section["conclusion"])
    if general["conclusion"].strip():
        paragraphs.append("Kết luận chung:")
        paragraphs += _lines(general["conclusion"])
    if len(items) < len(meeting.agenda_items):
        paragraphs.append("(Các nội dung mật được ghi biên bản riêng.)")

    votes = closed_votes(meeting.id)
    if votes:
        paragraphs.append("IV. KẾT QUẢ BIỂU QUYẾT")
        paragraphs += [_vote_line(number, vote) for number, vote in enumerate(votes, start=1)]

    paragraphs.append(
        f"Biên bản do thư ký {names.get(minutes.submitted_by_id, '—')} lập, được chủ trì "
        f"{names.get(minutes.approved_by_id, '—')} duyệt lúc {_local(minutes.approved_at)}."
    )
    return text_pdf("BIÊN BẢN CUỘC HỌP", paragraphs)
