"""The document types of Decree 30/2020/ND-CP and how a document's number and notation are built."""

from __future__ import annotations

import unicodedata

# Abbreviation -> name, as Appendix III of the decree lists them.
DOCUMENT_TYPES: dict[str, str] = {
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "CT": "Chỉ thị",
    "QC": "Quy chế",
    "QyĐ": "Quy định",
    "TC": "Thông cáo",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "CTr": "Chương trình",
    "KH": "Kế hoạch",
    "PA": "Phương án",
    "ĐA": "Đề án",
    "DA": "Dự án",
    "BC": "Báo cáo",
    "BB": "Biên bản",
    "TTr": "Tờ trình",
    "HĐ": "Hợp đồng",
    "CĐ": "Công điện",
    "BGN": "Bản ghi nhớ",
    "BTT": "Bản thỏa thuận",
    "GUQ": "Giấy ủy quyền",
    "GM": "Giấy mời",
    "GGT": "Giấy giới thiệu",
    "GNP": "Giấy nghỉ phép",
    "PG": "Phiếu gửi",
    "PC": "Phiếu chuyển",
    "PB": "Phiếu báo",
    "CV": "Công văn",
    "THC": "Thư công",
    # Not in the decree's appendix: the forms only legal normative documents take (Law 80/2015 Art. 4).
    "NĐ": "Nghị định",
    "TT": "Thông tư",
}

# Công văn and thư công carry no type abbreviation: their notation names the drafting unit instead.
UNTYPED = frozenset({"CV", "THC"})

# The types a legal normative document can take among ours (Law 80/2015 Art. 4): a resolution of a council,
# a decision of a people's committee or minister, a decree, a circular. A directive (Chỉ thị) has not been one
# since that law.
LEGAL_NORMATIVE_TYPES = frozenset({"NQ", "QĐ", "NĐ", "TT"})


class NotationError(ValueError):
    """The notation cannot be built: an abbreviation it needs is missing."""


def normalize_type(code: str) -> str:
    """Clients may send Đ decomposed or the code in another case; the canonical code or the input."""
    code = unicodedata.normalize("NFC", code.strip())
    for known in DOCUMENT_TYPES:
        if known.casefold() == code.casefold():
            return known
    return code


def type_name(code: str) -> str:
    return DOCUMENT_TYPES.get(code, code)


def build_notation(document_type: str, agency_abbreviation: str | None, unit_abbreviation: str | None) -> str:
    """`QĐ-UBND` for a typed document; `UBND-VX` (agency, drafting unit) for công văn and thư công."""
    if not agency_abbreviation:
        raise NotationError("the issuing agency has no abbreviation")
    if document_type in UNTYPED:
        if not unit_abbreviation:
            raise NotationError("the drafting unit of a công văn has no abbreviation")
        return f"{agency_abbreviation}-{unit_abbreviation}"
    if document_type not in DOCUMENT_TYPES:
        raise NotationError(f"unknown document type {document_type!r}")
    return f"{document_type}-{agency_abbreviation}"


def can_be_legal_normative(code: str) -> bool:
    return code in LEGAL_NORMATIVE_TYPES


def notation_after_number(notation: str | None, legal_year: int | None = None) -> str | None:
    """What follows the number: `QĐ-UBND`, or `2026/QĐ-UBND` for a legal normative document of 2026."""
    if legal_year is None or not notation:
        return notation
    return f"{legal_year}/{notation}"


def number_and_notation(
    number: int | None, notation: str | None, legal_year: int | None = None
) -> str | None:
    """`05/QĐ-UBND`: numbers below 10 get a leading zero, `/` between number and notation.

    legal_year: the year a legal normative document was numbered in, which its number carries
    (`05/2026/QĐ-UBND`, Law 80/2015 Art. 9); None for every other document.
    """
    notation = notation_after_number(notation, legal_year)
    if number is None:
        return notation
    return f"{number:02d}/{notation}" if notation else f"{number:02d}"
