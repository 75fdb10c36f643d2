"""Every tampering the issue names is reported: a changed byte, an appended page, a signature copied
onto another PDF."""

from __future__ import annotations

import io
import re

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from eoffice.pdfgen import text_pdf
from eoffice.signing.operations import check_signatures
from tests.eoffice.signing.pdfs import signed_by_signer


def test_a_byte_changed_inside_the_signed_range_breaks_the_signature(instance):
    content = signed_by_signer(instance)
    # The producer string lies in the first revision, inside the signed byte range.
    position = content.index(b"ReportLab")
    tampered = content[:position] + b"X" + content[position + 1 :]

    (signature,) = check_signatures(tampered, instance.settings)
    assert not signature["intact"]
    assert signature["problems"]


def test_a_page_appended_after_signing_is_reported_as_a_change_not_allowed(instance):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_by_signer(instance)))
    stream = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 720 Td (Them) Tj ET"))
    page = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Page"),
            pdf_name("/MediaBox"): generic.ArrayObject(generic.NumberObject(v) for v in (0, 0, 595, 842)),
            pdf_name("/Contents"): stream,
            pdf_name("/Resources"): generic.DictionaryObject(),
        }
    )
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)

    (signature,) = check_signatures(out.getvalue(), instance.settings)
    assert signature["intact"]
    assert signature["modification"] == "other"
    assert not signature["covers_whole_document"]
    assert any("sửa sau khi ký" in problem for problem in signature["problems"])


def test_a_signature_copied_onto_another_pdf_does_not_validate(instance):
    original = signed_by_signer(instance)
    other = signed_by_signer(instance, text_pdf("Quyết định", ["Một nội dung khác hẳn"]))
    contents = re.compile(rb"/Contents <([0-9a-fA-F]+)>")
    stolen = contents.search(original).group(1)
    slot = contents.search(other)
    assert len(slot.group(1)) == len(stolen)
    forged = other[: slot.start(1)] + stolen + other[slot.end(1) :]

    (signature,) = check_signatures(forged, instance.settings)
    assert not signature["intact"]
