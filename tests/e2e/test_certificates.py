"""The 'Chứng thư số' screen: the platform admin uploads a leader's PKCS#12 and sees its certificate."""

from __future__ import annotations

import uuid

from eoffice.signing import authority
from tests.e2e.conftest import DEMO_PASSWORD, log_in, open_menu
from tests.eoffice.documents.test_signing_certificates import certificate_for, p12
from tests.fixtures.signing import shared_key

AGENCY = "000.00.00.H49"
P12_PASSWORD = "mật-khẩu-chứng-thư"


def test_the_admin_uploads_a_leaders_pkcs12_and_sees_its_subject(server, new_page, screenshot, tmp_path):
    suffix = uuid.uuid4().hex[:8]
    leader = server.post(
        "/api/v1/admin/users",
        "quantri",
        json={
            "username": f"lanhdao.{suffix}",
            "password": DEMO_PASSWORD,
            "full_name": f"Ngô Minh Khoa {suffix}",
            "agency_id": AGENCY,
            "roles": ["leader"],
        },
    )
    # A CA of the test's own: the server accepts the chain to no trust root, with a warning.
    stranger = authority.create_authority(tmp_path / "other-ca")
    common_name = f"Ngô Minh Khoa (chứng thư {suffix})"
    key = shared_key()
    certificate = certificate_for(common_name, ca=stranger, key=key)
    leaders_p12 = p12(certificate, key=key, password=P12_PASSWORD, ca=stranger)

    admin = new_page()
    log_in(admin, "quantri")
    open_menu(admin, "Chứng thư số")
    row = admin.locator(f"[data-owner='person-{leader['id']}']")
    row.get_by_text("Chưa có chứng thư số").wait_for()
    row.get_by_role("button", name=f"Tải lên chứng thư mới cho Ngô Minh Khoa {suffix}").click()
    form = admin.get_by_test_id("certificate-upload")
    form.get_by_role("heading", name=f"Ngô Minh Khoa {suffix}").wait_for()
    form.locator("#certificate-file").set_input_files(
        {"name": "chu-ky.p12", "mimeType": "application/x-pkcs12", "buffer": leaders_p12}
    )
    assert form.get_by_label("Mã hóa lại bằng PIN của máy chủ").is_checked()

    form.get_by_label("Mật khẩu của tệp PKCS#12").fill("sai-mật-khẩu")
    form.get_by_role("button", name="Tải lên", exact=True).click()
    password_error = form.locator("#certificate-password-error")
    password_error.wait_for()
    assert password_error.inner_text() == "Mật khẩu không mở được tệp này."
    # The password is not kept once the request has left.
    assert form.get_by_label("Mật khẩu của tệp PKCS#12").input_value() == ""
    assert row.get_by_text("Chưa có chứng thư số").is_visible()
    screenshot(admin, "70-certificate-wrong-password")

    form.get_by_label("Mật khẩu của tệp PKCS#12").fill(P12_PASSWORD)
    form.get_by_role("button", name="Tải lên", exact=True).click()
    form.get_by_text("Đã cập nhật chứng thư số.").wait_for()
    assert common_name in row.get_by_test_id("certificate-subject").inner_text()
    # The chain's warning in the reader's language, by its code, not the server's English.
    (warning,) = form.get_by_test_id("certificate-warnings").locator("li").all()
    assert warning.get_attribute("data-code") == "certificate_chain_invalid"
    assert warning.inner_text() == (
        "Chuỗi chứng thư không hợp lệ: chữ ký bằng chứng thư này sẽ hiện là chưa được xác thực."
    )
    assert not password_error.is_visible()
    screenshot(admin, "71-certificate-uploaded")

    # What the screen shows is what the server now holds.
    held = server.get(f"/api/v1/signatures/certificates/people/{leader['id']}", "quantri").json()
    assert common_name in held["certificate"]["subject"]
    admin.reload()
    assert (
        common_name
        in admin.locator(f"[data-owner='person-{leader['id']}']")
        .get_by_test_id("certificate-subject")
        .inner_text()
    )
