"""The public axis SDK's example packages (../shared/samples/vdxp-sdk) as the mock axis reads them."""

from __future__ import annotations

import pytest

from national_axis.notices import read_status
from national_axis.xmlsafe import parse_untrusted
from tests.fixtures.vdxp_samples import (
    AGENCY_G22,
    AGENCY_H41,
    SAMPLE_DOCUMENT_ID,
    STATUS_SAMPLES,
    read_sample,
)


@pytest.mark.parametrize(("name", "code", "sender", "addressee"), STATUS_SAMPLES)
def test_every_status_sample_parses_to_its_code_sender_addressee_and_document(name, code, sender, addressee):
    notice, problems = read_status(parse_untrusted(read_sample(name), "status"))

    assert problems == []
    assert (notice.code, notice.from_organ_id, notice.addressee_id) == (code, sender, addressee)
    assert notice.document_id == SAMPLE_DOCUMENT_ID
    assert (notice.original_sender_id, notice.recipient_id) == (AGENCY_G22, AGENCY_H41)
