"""Between our document fields and edXML's: document types, urgency, dates and timestamps.

A document type is identified by its TypeName, as real senders write it ("Công văn", "Quyết định",
"Giấy uỷ quyền" with either placement of the tone mark); TypeDetail is 0 (normal) and Type 1
(administrative document), as the SDK samples send them. A name that is not one of Decree 30's types
is kept as the name.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime

from eoffice.documents.clock import VIETNAM
from eoffice.documents.document_types import DOCUMENT_TYPES, normalize_type
from eoffice.documents.models import Urgency

ADMINISTRATIVE_TYPE = "1"
NORMAL_TYPE_DETAIL = "0"
# The five tone marks: "uỷ" and "ủy", "oà" and "òa" are the same word written two ways.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def _name_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFD", name.casefold())
    return " ".join("".join(c for c in decomposed if c not in _TONE_MARKS).split())


_BY_NAME = {_name_key(name): code for code, name in DOCUMENT_TYPES.items()}

# Priority: 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ (kept as hỏa tốc here).
PRIORITIES = {Urgency.NORMAL: 0, Urgency.URGENT: 1, Urgency.VERY_URGENT: 2, Urgency.FLASH: 3}
_BY_PRIORITY = {**{str(value): urgency for urgency, value in PRIORITIES.items()}, "4": Urgency.FLASH}

DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"


def document_type_fields(document_type: str) -> dict[str, str]:
    """Type, TypeDetail and TypeName of one of our document types (a code, or a name kept as received)."""
    return {
        "Type": ADMINISTRATIVE_TYPE,
        "TypeDetail": NORMAL_TYPE_DETAIL,
        "TypeName": DOCUMENT_TYPES.get(document_type, document_type),
    }


def document_type_of(type_name: str) -> str:
    """Our code for an arriving TypeName (or our own abbreviation); an unknown name is kept as it is."""
    name = " ".join(unicodedata.normalize("NFC", type_name).split())
    by_name = _BY_NAME.get(_name_key(name))
    if by_name:
        return by_name
    code = normalize_type(name)
    return code if code in DOCUMENT_TYPES else name


def priority(urgency: str) -> int:
    return PRIORITIES[Urgency(urgency)]


def urgency(priority_code: str | None) -> str | None:
    """Our urgency for a Priority code; None for a code outside 0–4. Absent means normal."""
    if priority_code is None or priority_code == "":
        return Urgency.NORMAL.value
    found = _BY_PRIORITY.get(priority_code.strip())
    return found.value if found else None


def format_date(day: date | None) -> str | None:
    return day.strftime(DATE_FORMAT) if day else None


def parse_date(text: str | None) -> date | None:
    """A yyyy/MM/dd date; ValueError when malformed, None when absent."""
    if not text:
        return None
    return datetime.strptime(text, DATE_FORMAT).date()


def format_timestamp(moment: datetime) -> str:
    """Vietnam time (UTC+7), yyyy/MM/dd HH:mm:ss."""
    return moment.astimezone(VIETNAM).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """A Vietnam-time timestamp as a UTC-aware datetime; ValueError when malformed."""
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=VIETNAM).astimezone(UTC)


def code_and_date(document_id: str) -> tuple[str | None, date | None]:
    """Code and PromulgationDate as a DocumentId `<sender>,<yyyy/MM/dd>,<code>` carries them (the date
    None when it is not one: the samples name 2014/02/30)."""
    parts = document_id.split(",", 2)
    if len(parts) != 3:
        return None, None
    try:
        return parts[2], parse_date(parts[1])
    except ValueError:
        return parts[2], None
