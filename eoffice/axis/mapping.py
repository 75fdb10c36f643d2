"""Between our document fields and edXML's: document types, urgency, dates and timestamps.

TypeDetail numbers the types in the order Article 7 of Decree 30/2020 lists them (nghị quyết 1 …
công văn 18 … thư công 29), which is how the published sample numbers công văn (18). Type is 1
(administrative document) for all of them: DOMAIN.md pins no other value. The types outside that list
(Nghị định, Thông tư) go with TypeDetail 0, as real senders write every type, named by TypeName.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from eoffice.documents.clock import VIETNAM
from eoffice.documents.document_types import DOCUMENT_TYPES, normalize_type
from eoffice.documents.models import Urgency

ADMINISTRATIVE_TYPE = "1"
TYPE_DETAIL_ORDER = (
    "NQ", "QĐ", "CT", "QC", "QyĐ", "TC", "TB", "HD", "CTr", "KH", "PA", "ĐA", "DA", "BC", "BB", "TTr",
    "HĐ", "CV", "CĐ", "BGN", "BTT", "GUQ", "GM", "GGT", "GNP", "PG", "PC", "PB", "THC",
)  # fmt: skip
TYPE_DETAILS = {code: index for index, code in enumerate(TYPE_DETAIL_ORDER, start=1)}
_BY_DETAIL = {str(index): code for code, index in TYPE_DETAILS.items()}
_BY_NAME = {name.casefold(): code for code, name in DOCUMENT_TYPES.items()}

# TypeDetail of a type outside Article 7's list: the TypeName identifies it.
UNNUMBERED_TYPE_DETAIL = 0

# Priority: 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ (kept as hỏa tốc here).
PRIORITIES = {Urgency.NORMAL: 0, Urgency.URGENT: 1, Urgency.VERY_URGENT: 2, Urgency.FLASH: 3}
_BY_PRIORITY = {**{str(value): urgency for urgency, value in PRIORITIES.items()}, "4": Urgency.FLASH}

DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"


def document_type_fields(code: str) -> dict[str, str]:
    """Type, TypeDetail and TypeName of one of our document type codes."""
    return {
        "Type": ADMINISTRATIVE_TYPE,
        "TypeDetail": str(TYPE_DETAILS.get(code, UNNUMBERED_TYPE_DETAIL)),
        "TypeName": DOCUMENT_TYPES[code],
    }


def document_type_code(type_detail: str | None, type_name: str | None) -> str | None:
    """Our code for an arriving DocumentType: by TypeDetail, else by TypeName; None when neither is known."""
    if type_detail and type_detail.strip() in _BY_DETAIL:
        return _BY_DETAIL[type_detail.strip()]
    if type_name:
        by_name = _BY_NAME.get(normalize_type(type_name).casefold())
        if by_name:
            return by_name
        code = normalize_type(type_name)
        if code in DOCUMENT_TYPES:
            return code
    return None


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
