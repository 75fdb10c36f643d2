"""The 'Hộp thư công vụ' screen: an agency's admin sets up its official mailbox against a real IMAP server
(Dovecot), the intake worker reads it, and the screen lists what each message became."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT, TABLET, device_opener, first_held, hold_back, log_in, open_menu
from tests.fixtures.imap import PASSWORD
from tests.fixtures.mail import PDF, official_message

AGENCY = "000.00.01.H49"  # Sở Nội vụ, whose admin is quantri.snv in the demo data


@pytest.fixture
def page(browser, restartable_server):
    open_device, close_all = device_opener(browser, restartable_server.url)
    yield open_device(TABLET, touch=False)
    close_all()


def _take_mail(server) -> None:
    """One run of the intake worker on the server's instance, as `flask mail-intake-worker` runs it."""
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "mail-intake-worker", "--exit-when-idle"],
        cwd=ROOT,
        env=server.env,
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_the_admin_sets_up_the_mailbox_and_sees_what_each_message_became(
    restartable_server, page, dovecot, screenshot
):
    user = dovecot.new_user()
    letter = official_message("Công văn về tổ chức bộ máy")
    letter.add_attachment(PDF, maintype="application", subtype="pdf", filename="cong-van.pdf")
    crowded = official_message("Thư quá nhiều tệp đính kèm")
    for index in range(21):
        crowded.add_attachment(PDF, maintype="application", subtype="pdf", filename=f"tep-{index}.pdf")
    for message in (letter, crowded):
        dovecot.deliver(user, message.as_bytes())

    log_in(page, "quantri.snv")
    # The saved settings are held back: until they arrive there is no form to type into (typed before,
    # a field was wiped when they came, and the save then stopped at "Không được để trống").
    held = hold_back(page, f"**/api/v1/mailboxes/{AGENCY}")
    open_menu(page, "Hộp thư công vụ")
    settings = first_held(page, held)
    page.get_by_text("Đang tải…").wait_for()
    form = page.get_by_test_id("mailbox-settings")
    assert form.count() == 0
    settings.continue_()
    page.unroute(f"**/api/v1/mailboxes/{AGENCY}")
    status = page.get_by_test_id("mailbox-status")
    assert status.inner_text().endswith("Chưa cài đặt hộp thư.")
    form.get_by_label("Máy chủ IMAP").fill(dovecot.host)
    form.get_by_label("Kết nối").select_option("none")
    form.get_by_label("Cổng").fill("0")
    form.get_by_label("Tài khoản").fill(user)
    form.get_by_role("button", name="Lưu cài đặt").click()
    # Checked before anything is sent: the port, and the password a first setup needs.
    assert form.locator("#mailbox-port-error").inner_text() == "Nhập số cổng từ 1 đến 65535."
    assert form.locator("#mailbox-password-error").inner_text() == "Không được để trống."
    form.get_by_label("Cổng").fill(str(dovecot.port))
    form.get_by_label("Mật khẩu").fill(PASSWORD)
    form.get_by_label("Thư mục thư đã xử lý").fill("Đã xử lý")
    form.get_by_role("button", name="Lưu cài đặt").click()
    form.get_by_text("Đã lưu cài đặt hộp thư.").wait_for()
    # The password left with the request; the screen only says one is saved.
    assert form.get_by_label("Mật khẩu").input_value() == ""
    form.get_by_text("Đã lưu mật khẩu; để trống để giữ nguyên.").wait_for()
    saved = restartable_server.get(f"/api/v1/mailboxes/{AGENCY}", "quantri.snv").json()
    assert (saved["host"], saved["port"], saved["security"], saved["username"]) == (
        dovecot.host,
        dovecot.port,
        "none",
        user,
    )
    assert saved["processed_folder"] == "Đã xử lý" and saved["has_password"] is True
    page.get_by_text("Chưa nhận thư nào.").wait_for()
    screenshot(page, "80-mailbox-configured")

    _take_mail(restartable_server)

    # A refresh brings the messages and leaves what the admin is typing alone.
    form.get_by_label("Máy chủ IMAP").fill("mail.snv.gov.vn")
    page.get_by_role("button", name="Làm mới").click()
    rows = page.get_by_test_id("mailbox-message")
    rows.nth(1).wait_for()
    assert form.get_by_label("Máy chủ IMAP").input_value() == "mail.snv.gov.vn"
    shown = {row.get_by_role("rowheader").inner_text(): row.get_attribute("data-state") for row in rows.all()}
    assert shown == {"Công văn về tổ chức bộ máy": "document", "Thư quá nhiều tệp đính kèm": "refused"}
    refused = rows.filter(has_text="Thư quá nhiều tệp đính kèm")
    assert "Từ chối: the message has 21 attachments, more than the limit of 20" in refused.inner_text()
    assert "Đọc thành công lúc" in status.inner_text()
    assert dovecot.message_ids(user, "Đã xử lý") == [letter["Message-ID"]]
    screenshot(page, "81-mailbox-messages")

    rows.filter(has_text="Công văn về tổ chức bộ máy").get_by_role("link", name="Xem văn bản").click()
    page.get_by_role("heading", name="Công văn về tổ chức bộ máy").wait_for()
