"""The approval's signed PDF: a store or database that fails, a missing certificate or a wrong PIN
leave the minutes submitted and nothing stored."""

from __future__ import annotations

from sqlalchemy import func, select

from eoffice.extensions import db
from eoffice.mail.models import OutboxMessage
from eoffice.runtime import settings, storage
from eoffice.signing.operations import check_signatures
from eoffice.storage.backend import StorageError
from eoffice.storage.models import StoredFile
from tests.meetings.minutes.helpers import bearer, minutes_row, stored_files, submitted


def test_an_approval_whose_pdf_cannot_be_stored_changes_nothing(client, room, monkeypatch):
    minutes_url = f"/api/v1/meetings/{room.meeting_id}/minutes"
    closed = client.post(f"/api/v1/meetings/{room.meeting_id}/close", headers=bearer(room, "vanthu"))
    assert closed.status_code == 200
    assert client.post(f"{minutes_url}/submit", headers=bearer(room, "thuky")).status_code == 200

    def unavailable(*args, **kwargs):
        raise StorageError("object store down")

    monkeypatch.setattr(storage(), "put", unavailable)
    refused = client.post(f"{minutes_url}/approve", headers=bearer(room, "chutich"))
    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "storage_unavailable"
    minutes = minutes_row()
    assert (minutes.status, minutes.seq, minutes.pdf_file_id, minutes.approved_at) == (
        "submitted",
        1,
        None,
        None,
    )
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "meeting.minutes_ready")
        )
        == 0
    )
    monkeypatch.undo()
    assert client.post(f"{minutes_url}/approve", headers=bearer(room, "chutich")).status_code == 200


def test_an_approval_whose_commit_fails_leaves_no_pdf_in_the_store(client, room, failing_commits):
    minutes_url = submitted(client, room)
    files = stored_files()
    failing_commits.start()
    refused = client.post(f"{minutes_url}/approve", headers=bearer(room, "chutich"))
    failing_commits.stop()

    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "database_unavailable"
    # The signed PDF reached the store before the commit failed: it is deleted again.
    assert len(failing_commits.keys) == 1
    assert failing_commits.objects_left() == []
    assert stored_files() == files
    assert minutes_row().status == "submitted"


def test_a_chair_without_a_certificate_cannot_approve_and_the_minutes_stay_submitted(app, client, room):
    from tests.eoffice.documents.conftest import stored_objects

    minutes_url = submitted(client, room)
    (settings().effective_signing_key_dir / "person-chutich.p12").unlink()
    files, objects = stored_files(), stored_objects(app)

    refused = client.post(f"{minutes_url}/approve", headers=bearer(room, "chutich"))

    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert (error["code"], error["details"]) == ("signing_certificate_missing", {"owner": "person-chutich"})
    minutes = minutes_row()
    assert (minutes.status, minutes.pdf_file_id, minutes.approved_at) == ("submitted", None, None)
    assert stored_files() == files and stored_objects(app) == objects
    assert client.get(f"{minutes_url}/pdf", headers=bearer(room, "thuky")).status_code == 404


def test_the_chair_gives_the_pin_of_a_key_under_its_own_password_and_a_wrong_one_is_refused(client, room):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    minutes_url = submitted(client, room)
    path = settings().effective_signing_key_dir / "person-chutich.p12"
    key, certificate, chain = pkcs12.load_key_and_certificates(
        path.read_bytes(), settings().signing_pin.encode()
    )
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            None, key, certificate, chain, BestAvailableEncryption(b"ma-pin-chu-tich")
        )
    )
    files = stored_files()

    for pin in (None, "sai-ma-pin"):
        refused = client.post(f"{minutes_url}/approve", json={"pin": pin}, headers=bearer(room, "chutich"))
        assert refused.status_code == 409, refused.get_json()
        assert refused.get_json()["error"]["code"] == "signing_pin_invalid"
        assert "sai-ma-pin" not in refused.get_data(as_text=True)
        assert (minutes_row().status, minutes_row().pdf_file_id) == ("submitted", None)
        assert stored_files() == files

    approved = client.post(
        f"{minutes_url}/approve", json={"pin": "ma-pin-chu-tich"}, headers=bearer(room, "chutich")
    )

    assert approved.status_code == 200, approved.get_json()
    minutes = minutes_row()
    assert minutes.status == "approved"
    data = b"".join(storage().open(db.session.get(StoredFile, minutes.pdf_file_id).key))
    chair_signature, seal = check_signatures(data, settings())
    assert chair_signature["signer_name"] == "Trần Văn Minh" and chair_signature["intact"]
    assert seal["intact"]
