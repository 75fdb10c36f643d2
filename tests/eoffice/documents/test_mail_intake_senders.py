"""Who sent it: a sender whose address is an agency's official one has that agency filled in as the issuer,
and an S/MIME signature, detached or opaque, is verified with its signer's certificate checked for
revocation against the CRL the server trusts (good, revoked, or unknown: never a good it did not check)."""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from eoffice.accounts.models import DirectoryAgency
from eoffice.axis.directory import sync_agencies
from eoffice.documents.models import Document
from eoffice.extensions import db
from eoffice.mailbox.tasks import check_mailboxes
from eoffice.runtime import settings
from eoffice.signing import authority
from eoffice.signing.trust import demo_ca_dir
from tests.eoffice.documents.conftest import HOME, OTHER
from tests.fixtures.mail import PDF, authority_and_signer, configure_mailbox, official_message, smime_signed
from tests.fixtures.signing import shared_key

FINANCE_ID = "000.00.12.H49"


@pytest.fixture
def app_env(tmp_path) -> dict[str, str]:
    # The demo CA (its CRL on this disk) and a second authority that publishes no revocation information.
    (tmp_path / "roots").mkdir()
    return {
        "EOFFICE_TEXT_EXTRACTION": "inline",
        "EOFFICE_SIGNING_TRUST_ROOTS": f"{tmp_path / 'roots' / 'ca.pem'},{tmp_path / 'roots' / 'demo.pem'}",
        "EOFFICE_SIGNING_FETCH_REVOCATION": "false",
    }


class _AxisListing:
    """The axis's list of agencies as sync_agencies reads it, with the addresses it gives."""

    def __init__(self, rows):
        self.rows = rows

    def systems(self):
        return [(self, [])]

    def agencies(self):
        return self.rows


def _document(subject: str) -> Document:
    return db.session.scalar(select(Document).where(Document.subject == subject))


def test_a_sender_with_an_agencys_official_address_has_that_agency_filled_in_as_the_issuer(
    client, people, as_user, dovecot
):
    finance = {"id": FINANCE_ID, "name": "Sở Tài chính tỉnh Quảng Nam", "parent": HOME}
    sync_agencies(_AxisListing([{**finance, "email": "VanThu@STC.QuangNam.gov.vn"}]))
    db.session.commit()
    # A later list without the address keeps the one known.
    sync_agencies(_AxisListing([finance]))
    db.session.commit()
    assert db.session.get(DirectoryAgency, FINANCE_ID).email == "vanthu@stc.quangnam.gov.vn"
    # A hosted agency's admin (here the platform's) gives its address; a malformed one is refused.
    headers = as_user(people.platform_admin)
    url = f"/api/v1/admin/agencies/{OTHER}"
    bad = client.patch(url, json={"email": "not an address"}, headers=headers)
    assert bad.status_code == 422 and "email" in str(bad.get_json()["error"]["details"])
    saved = client.patch(url, json={"email": "VanThu@SNV.QuangNam.gov.vn"}, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["email"] == "vanthu@snv.quangnam.gov.vn"

    user = configure_mailbox(client, as_user(people.admin), dovecot, HOME)
    for subject, sender in [
        ("Công văn của Sở Tài chính", "Văn thư STC <VANTHU@stc.quangnam.gov.vn>"),
        ("Công văn của Sở Nội vụ", "vanthu@snv.quangnam.gov.vn"),
        ("Thư của người dân", "Nguyễn Văn A <nguyenvana@example.com>"),
    ]:
        dovecot.deliver(user, official_message(subject, sender=sender).as_bytes())

    assert check_mailboxes() == 3

    from_finance = _document("Công văn của Sở Tài chính")
    assert (from_finance.issuer_id, from_finance.issuer_name) == (FINANCE_ID, "Sở Tài chính tỉnh Quảng Nam")
    arrival = from_finance.trace[0].details["email"]
    assert arrival["sender_agency"] == {"id": FINANCE_ID, "name": "Sở Tài chính tỉnh Quảng Nam"}
    assert arrival["from"] == "Văn thư STC <VANTHU@stc.quangnam.gov.vn>"
    from_home_affairs = _document("Công văn của Sở Nội vụ")
    assert (from_home_affairs.issuer_id, from_home_affairs.issuer_name) == (OTHER, "Sở Nội vụ tỉnh Quảng Nam")
    unknown = _document("Thư của người dân")
    assert unknown.issuer_id is None and unknown.issuer_name == "Nguyễn Văn A <nguyenvana@example.com>"
    # What the clerk's screen reads to fill the registration in.
    shown = client.get(f"/api/v1/documents/{from_finance.id}", headers=as_user(people.clerk)).get_json()
    assert (shown["issuer_id"], shown["issuer_name"]) == (FINANCE_ID, "Sở Tài chính tỉnh Quảng Nam")


def _demo_signer(tmp_path, common_name: str):
    """A certificate of the server's demo CA (trusted, its CRL on this disk), with its key."""
    ca = authority.load_authority(demo_ca_dir(settings()))
    key = shared_key()
    (tmp_path / "roots" / "demo.pem").write_bytes(ca.certificate.public_bytes(serialization.Encoding.PEM))
    key, certificate = authority.issue_certificate(
        ca,
        common_name=common_name,
        organization="Sở Tài chính",
        public_url="http://127.0.0.1:9",
        key=shared_key(),
    )
    return ca, certificate, key


def test_an_opaque_signed_message_gives_its_documents_and_its_signers_revocation_status(
    tmp_path, client, people, as_user, dovecot
):
    ca, good_certificate, key = _demo_signer(tmp_path, "Văn thư Sở Tài chính")
    _, revoked_certificate, _ = _demo_signer(tmp_path, "Cán bộ đã nghỉ việc")
    authority.revoke(ca, revoked_certificate)
    # An authority the server trusts but whose revocation it cannot learn (no CRL, no fetching).
    unchecked_certificate, unchecked_key = authority_and_signer(tmp_path / "roots")
    user = configure_mailbox(client, as_user(people.admin), dovecot, HOME)
    opaque = smime_signed("Báo cáo ký số không tách rời", good_certificate, key, opaque=True)
    assert b"smime-type=signed-data" in opaque and b"%PDF" not in opaque
    for raw in (
        opaque,
        smime_signed("Báo cáo của người đã bị thu hồi chứng thư", revoked_certificate, key, opaque=True),
        smime_signed("Báo cáo từ CA không công bố CRL", unchecked_certificate, unchecked_key),
        _tampered(smime_signed("Báo cáo bị sửa sau khi ký", good_certificate, key, opaque=True)),
    ):
        dovecot.deliver(user, raw)

    async def from_a_thread_running_an_event_loop():
        # As the browser tests' Playwright runs one in the same process: the check must not need its own.
        return check_mailboxes()

    # In a thread of its own with this one's context (the app context): this xdist worker's thread may
    # already run Playwright's loop, where asyncio.run itself is refused.
    with ThreadPoolExecutor(1) as pool:
        ran = pool.submit(contextvars.copy_context().run, asyncio.run, from_a_thread_running_an_event_loop())
        assert ran.result() == 4

    good = _document("Báo cáo ký số không tách rời")
    signature = good.trace[0].details["email"]["smime"]
    assert (signature["valid"], signature["trusted"], signature["revocation"]) == (True, True, "good")
    assert signature["signer"] == "Văn thư Sở Tài chính"
    # The documents and the letter were inside the signature.
    assert [(link.stored_file.name, link.stored_file.size) for link in good.files] == [
        ("bao-cao-quyet-toan.pdf", len(PDF))
    ]
    assert "báo cáo quyết toán" in good.note
    revoked = _document("Báo cáo của người đã bị thu hồi chứng thư").trace[0].details["email"]["smime"]
    assert (revoked["valid"], revoked["trusted"], revoked["revocation"]) == (True, False, "revoked")
    assert revoked["reason"] == "the signer's certificate has been revoked"
    unchecked = _document("Báo cáo từ CA không công bố CRL").trace[0].details["email"]["smime"]
    assert (unchecked["valid"], unchecked["trusted"], unchecked["revocation"]) == (True, True, "unknown")
    tampered = _document("Báo cáo bị sửa sau khi ký").trace[0].details["email"]["smime"]
    assert (tampered["valid"], tampered["revocation"]) == (False, "unknown")
    assert tampered["reason"] == "the message was changed after it was signed"


def _tampered(raw: bytes) -> bytes:
    """One base64 character in the middle of the signed content changed (a bit flipped in transit)."""
    head, body = raw.split(b"\r\n\r\n", 1) if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)
    lines = body.splitlines(keepends=True)
    middle = len(lines) // 2
    line = lines[middle]
    lines[middle] = line[:10] + (b"A" if line[10:11] != b"A" else b"B") + line[11:]
    separator = b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n"
    return head + separator + b"".join(lines)
