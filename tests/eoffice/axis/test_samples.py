"""The public axis SDK's example packages (../shared/samples/vdxp-sdk) as our connector reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eoffice.axis.notices import StatusNotice, build_notice, parse_notice
from eoffice.axis.package import Organ
from eoffice.axis.xmlsig import parse_untrusted
from national_axis.notices import read_status
from tests.eoffice.axis.conftest import RECIPIENT, SENDER
from tests.fixtures.vdxp_samples import SAMPLE_DOCUMENT_ID, STATUS_SAMPLES, read_sample

LIMIT = 50 * 1024 * 1024


def no_certificate(organ_id: str) -> None:
    return None


@pytest.mark.parametrize(("name", "code", "sender", "addressee"), STATUS_SAMPLES)
def test_every_status_sample_parses_to_its_code_sender_addressee_and_document(name, code, sender, addressee):
    notice, verified_with = parse_notice(
        read_sample(name), max_bytes=LIMIT, trusted_certificate=no_certificate
    )

    assert (notice.status_code, notice.from_id, notice.addressee_id) == (code, sender, addressee)
    assert notice.document_id == SAMPLE_DOCUMENT_ID
    assert notice.code == "7816/VPCP-TTĐT"
    # The samples come unsigned: the axis has authenticated the sending system.
    assert verified_with == "unsigned"
    # Whoever asks, the document is G22's, sent to H41.
    assert (notice.original_sender_id, notice.recipient_id) == ("000.00.00.G22", "000.00.00.H41")
    assert notice.staff_name and notice.description and notice.sender.name


def test_the_full_organ_block_and_staff_of_a_sample_are_read():
    notice, _ = parse_notice(read_sample("status.edxml"), max_bytes=LIMIT, trusted_certificate=no_certificate)

    assert notice.sender == Organ(
        "000.00.00.H41",
        "UBND Tỉnh Nghệ An",
        "UBND Tỉnh Nghệ An",
        "Số 03, đường Trường Thi, Thành phố Vinh, Tỉnh Nghệ An, Việt Nam",
        "nghean@gov.vn",
        "0383 840418",
        "0383 843049",
        "www.nghean.vn",
    )
    assert (notice.staff_department, notice.staff_name, notice.staff_mobile, notice.staff_email) == (
        "Văn thư văn phòng",
        "Nguyễn Thị Ngọc Trâm",
        "84912000001",
        "vanthuvanphong@gov.vn",
    )
    assert notice.timestamp == datetime(2018, 9, 28, 10, 25, 11, tzinfo=UTC)


def _our_notice(**changes) -> StatusNotice:
    fields = dict(
        sender=Organ(RECIPIENT, "Sở Nội vụ tỉnh Quảng Nam", "Ủy ban nhân dân tỉnh Quảng Nam"),
        addressee_id=SENDER,
        code="05/QĐ-UBND",
        promulgation_date=date(2026, 11, 20),
        document_id=f"{SENDER},2026/11/20,05/QĐ-UBND",
        status_code="03",
        description="Đã vào sổ văn bản đến số 125",
        timestamp=datetime(2026, 11, 20, 3, 2, 11, tzinfo=UTC),
        staff_name="Võ Thị Lan",
    )
    return StatusNotice(**(fields | changes))


@pytest.mark.parametrize("signed", [True, False])
def test_a_notice_we_build_is_read_by_the_mock_axis_as_the_samples_are(sender_identity, signed):
    recall = _our_notice(
        sender=Organ(SENDER, "Ủy ban nhân dân tỉnh Quảng Nam"), addressee_id=RECIPIENT, status_code="13"
    )
    body = build_notice(recall, sender_identity if signed else None)

    read, problems = read_status(parse_untrusted(body, what="status", max_bytes=LIMIT))

    assert problems == []
    assert (read.from_organ_id, read.addressee_id, read.code) == (SENDER, RECIPIENT, "13")
    assert (read.original_sender_id, read.recipient_id) == (SENDER, RECIPIENT)
    assert read.document_id == f"{SENDER},2026/11/20,05/QĐ-UBND"
