"""Administrators upload the signing certificates of people and agencies: checked, then used to sign."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from eoffice.documents.models import Document, FileRole
from eoffice.extensions import db
from eoffice.runtime import settings
from eoffice.signing import authority, trust
from eoffice.signing.keys import Pkcs11KeyStore, agency_label, person_label
from eoffice.signing.operations import check_signatures
from tests.eoffice.documents.conftest import act, content_of, flow, key_file, snapshot
from tests.fixtures.signing import shared_key

PASSWORD = "mật-khẩu-của-chủ"


def demo_ca() -> authority.Authority:
    return authority.load_authority(trust.demo_ca_dir(settings()))


def certificate_for(common_name: str, ca: authority.Authority | None = None, key=None, **options):
    _, certificate = authority.issue_certificate(
        ca or demo_ca(),
        common_name=common_name,
        organization="Ủy ban nhân dân tỉnh Quảng Nam",
        public_url="http://127.0.0.1:9",
        key=key or shared_key(),
        **options,
    )
    return certificate


def p12(certificate, key=None, password: str = PASSWORD, ca: authority.Authority | None = None) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        None,
        key or shared_key(),
        certificate,
        [(ca or demo_ca()).certificate],
        serialization.BestAvailableEncryption(password.encode()),
    )


def upload(client, headers, path: str, content: bytes, **form):
    return client.post(
        f"/api/v1/signatures/certificates/{path}",
        data={"file": (io.BytesIO(content), "chu-ky.p12"), **form},
        headers=headers,
        content_type="multipart/form-data",
    )


def signer_name_of_main(document_id: int) -> str:
    main = next(link for link in db.session.get(Document, document_id).files if link.role == FileRole.MAIN)
    return check_signatures(content_of(main.stored_file), settings())[0]["signer_name"]


def test_an_agency_admin_uploads_a_leaders_pkcs12_and_the_leader_signs_with_it(client, people, as_user):
    certificate = certificate_for("Trần Văn Minh (chứng thư mới)")
    path = f"people/{people.leader.id}"

    response = upload(client, as_user(people.admin), path, p12(certificate), password=PASSWORD)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["owner"] == "person-lanhdao" and body["key_store"] == "pkcs12"
    assert body["certificate"]["serial"] == f"{certificate.serial_number:x}"
    assert "Trần Văn Minh (chứng thư mới)" in body["certificate"]["subject"]
    assert body["warnings"] == []
    listed = client.get(f"/api/v1/signatures/certificates/{path}", headers=as_user(people.admin)).get_json()
    assert listed["certificate"] == body["certificate"]
    # Kept under the server's PIN (protection `server`), never under the password given, never in clear.
    stored = key_file(person_label(people.leader.username)).read_bytes()
    assert PASSWORD.encode() not in stored
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(stored, PASSWORD.encode())
    assert pkcs12.load_key_and_certificates(stored, settings().signing_pin.encode())[1] == certificate

    document = flow(people, "awaiting_signature")
    assert act(client, as_user(people.leader), document.id, "approve").status_code == 200
    assert signer_name_of_main(document.id) == "Trần Văn Minh (chứng thư mới)"


def test_a_key_kept_under_its_owners_password_signs_only_with_it_as_pin(client, people, as_user):
    path = f"people/{people.leader.id}"
    certificate = certificate_for("Trần Văn Minh (mật khẩu riêng)")
    response = upload(
        client, as_user(people.admin), path, p12(certificate), password=PASSWORD, protection="password"
    )
    assert response.status_code == 200, response.get_json()
    document = flow(people, "awaiting_signature")
    before = snapshot(document.id)

    refused = act(client, as_user(people.leader), document.id, "approve")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "signing_pin_invalid"
    assert snapshot(document.id) == before

    signed = act(client, as_user(people.leader), document.id, "approve", {"pin": PASSWORD})
    assert signed.status_code == 200
    assert signer_name_of_main(document.id) == "Trần Văn Minh (mật khẩu riêng)"


def test_a_platform_admin_uploads_an_agencys_seal(client, people, as_user):
    certificate = certificate_for("Ủy ban nhân dân tỉnh Quảng Nam (con dấu mới)")
    path = f"agencies/{people.leader.agency_id}"

    response = upload(client, as_user(people.platform_admin), path, p12(certificate), password=PASSWORD)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["owner"] == agency_label(people.leader.agency_id)
    listed = client.get(f"/api/v1/signatures/certificates/{path}", headers=as_user(people.admin))
    assert listed.get_json()["certificate"]["serial"] == f"{certificate.serial_number:x}"


def test_a_certificate_chaining_to_no_trust_root_is_accepted_with_a_warning(
    client, people, as_user, tmp_path
):
    stranger = authority.create_authority(tmp_path / "other-ca")
    certificate = certificate_for("Trần Văn Minh", ca=stranger)

    response = upload(
        client,
        as_user(people.admin),
        f"people/{people.leader.id}",
        p12(certificate, ca=stranger),
        password=PASSWORD,
    )

    assert response.status_code == 200
    # Its root bears the demo CA's name, not its key: the chain is refused as a warning, not the upload.
    (warning,) = response.get_json()["warnings"]
    assert warning["code"] == "certificate_chain_invalid" and warning["message"].startswith("the certificate")


def refused_uploads(people):
    now = datetime.now(UTC)
    ca = demo_ca()
    expired = certificate_for("Hết hạn", not_before=now - timedelta(days=10), days=2)
    return {
        "wrong password": (p12(certificate_for("Đúng")), {"password": "sai"}, ("password", "wrong_password")),
        "not a pkcs12": (b"%PDF-1.7 not a key", {"password": PASSWORD}, ("file", "not_pkcs12")),
        # A key with its chain but no certificate of its own.
        "no certificate": (
            pkcs12.serialize_key_and_certificates(
                None,
                shared_key(),
                None,
                [ca.certificate],
                serialization.BestAvailableEncryption(PASSWORD.encode()),
            ),
            {"password": PASSWORD},
            ("file", "pkcs12_incomplete"),
        ),
        "expired": (p12(expired), {"password": PASSWORD}, "certificate_expired"),
        # The CA's own certificate: it certifies, it does not sign documents.
        "not for signing": (
            p12(ca.certificate, key=ca.key),
            {"password": PASSWORD},
            "certificate_not_for_signing",
        ),
    }


def test_every_bad_upload_is_refused_naming_why_and_the_old_key_stays(client, people, as_user):
    path = f"people/{people.leader.id}"
    old = key_file(person_label(people.leader.username)).read_bytes()

    for name, (content, form, expected) in refused_uploads(people).items():
        response = upload(client, as_user(people.admin), path, content, **form)
        assert response.status_code == 422, (name, response.get_json())
        error = response.get_json()["error"]
        if isinstance(expected, tuple):
            # The field named, with its reason: the client says that reason in its reader's language.
            field, reason = expected
            assert field in str(error["details"]) and error["details"]["reasons"] == {field: reason}, (
                name,
                error,
            )
        else:
            assert error["code"] == expected, (name, error)
        assert PASSWORD not in response.get_data(as_text=True)
        assert key_file(person_label(people.leader.username)).read_bytes() == old, name


def test_only_admins_of_the_owners_agency_manage_its_certificates(client, people, as_user):
    content = p12(certificate_for("Trần Văn Minh"))
    old = key_file(person_label(people.leader.username)).read_bytes()

    for caller in (people.outsider_clerk, people.leader, people.clerk):
        response = upload(client, as_user(caller), f"people/{people.leader.id}", content, password=PASSWORD)
        assert response.status_code == 403, caller.username
    assert (
        upload(client, as_user(people.admin), "people/999999", content, password=PASSWORD).status_code == 404
    )
    other_agency = people.outsider_leader.agency_id
    assert upload(client, as_user(people.admin), f"agencies/{other_agency}", content).status_code == 403
    assert (
        client.get(
            f"/api/v1/signatures/certificates/agencies/{other_agency}", headers=as_user(people.admin)
        ).status_code
        == 403
    )
    assert key_file(person_label(people.leader.username)).read_bytes() == old


@pytest.fixture
def token_app(app, softhsm_token, tmp_path):
    """The app with its keys in the SoftHSM2 token: the leader's key and a first certificate in it."""
    first = certificate_for("Trần Văn Minh (trong token)")
    softhsm_token.import_key(
        "person-lanhdao", shared_key(), first.public_bytes(serialization.Encoding.PEM), tmp_path
    )
    app.extensions["eoffice"]["settings"] = settings().replace(
        signing_key_store="pkcs11",
        signing_pkcs11_module=softhsm_token.module,
        signing_pkcs11_token=softhsm_token.label,
        signing_pin=None,
    )
    return softhsm_token


def test_a_certificate_for_a_key_in_the_token_replaces_the_tokens_and_signs(
    client, people, as_user, token_app
):
    path = f"people/{people.leader.id}"
    renewed = certificate_for("Trần Văn Minh (gia hạn)")
    pem = renewed.public_bytes(serialization.Encoding.PEM)
    headers = as_user(people.admin)

    wrong_pin = upload(client, headers, path, pem, pin="000000")
    assert wrong_pin.status_code == 422 and wrong_pin.get_json()["error"]["details"]["reasons"] == {
        "pin": "wrong_pin"
    }
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    mismatch = upload(
        client,
        headers,
        path,
        certificate_for("Khác", key=other_key).public_bytes(serialization.Encoding.DER),
        pin=token_app.pin,
    )
    assert mismatch.status_code == 422
    assert mismatch.get_json()["error"]["details"]["reasons"] == {"file": "certificate_not_for_token_key"}
    assert (
        "(trong token)"
        in client.get(f"/api/v1/signatures/certificates/{path}", headers=headers).get_json()["certificate"][
            "subject"
        ]
    )
    no_key = upload(client, headers, f"people/{people.leader2.id}", pem, pin=token_app.pin)
    assert no_key.status_code == 409 and no_key.get_json()["error"]["code"] == "signing_key_missing"

    response = upload(client, headers, path, pem, pin=token_app.pin)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["key_store"] == "pkcs11"
    listed = client.get(f"/api/v1/signatures/certificates/{path}", headers=headers).get_json()
    assert listed["certificate"]["serial"] == f"{renewed.serial_number:x}"
    document = flow(people, "awaiting_signature")
    assert (
        act(client, as_user(people.leader), document.id, "approve", {"pin": token_app.pin}).status_code == 200
    )
    assert signer_name_of_main(document.id) == "Trần Văn Minh (gia hạn)"


def test_an_upload_while_a_signing_act_holds_the_token_waits_for_its_turn(client, people, as_user, token_app):
    # PKCS#11 logs the whole process in: without taking its turn the upload's login was refused
    # (CKR_USER_ALREADY_LOGGED_IN → 409 signing_token_unavailable) while a leader was signing.
    renewed = certificate_for("Trần Văn Minh (gia hạn)")
    store = Pkcs11KeyStore(token_app.module, token_app.label, None)
    inside, leave = threading.Event(), threading.Event()

    def signing_act() -> None:
        with store.open_signer("person-lanhdao", token_app.pin):
            inside.set()
            leave.wait(30)

    holder = threading.Thread(target=signing_act)
    holder.start()
    assert inside.wait(30)
    threading.Timer(0.5, leave.set).start()

    response = upload(
        client,
        as_user(people.admin),
        f"people/{people.leader.id}",
        renewed.public_bytes(serialization.Encoding.PEM),
        pin=token_app.pin,
    )
    holder.join(30)

    assert response.status_code == 200, response.get_json()
    assert leave.is_set()
    listed = client.get(
        f"/api/v1/signatures/certificates/people/{people.leader.id}", headers=as_user(people.admin)
    ).get_json()
    assert listed["certificate"]["serial"] == f"{renewed.serial_number:x}"
