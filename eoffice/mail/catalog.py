"""What each kind of notice says, in Vietnamese and English.

Subjects and first lines are format strings over the context given to notify(); the
shared layout (templates/notice.*) adds the facts, the link and the footer.
"""

from __future__ import annotations

NOTICES: dict[str, dict[str, dict[str, str]]] = {
    "document.awaiting_direction": {
        "vi": {
            "subject": "Văn bản chờ cho ý kiến chỉ đạo: {title}",
            "intro": "{actor} trình anh/chị cho ý kiến chỉ đạo văn bản sau.",
        },
        "en": {
            "subject": "Document awaiting your direction: {title}",
            "intro": "{actor} submitted the following document for your direction.",
        },
    },
    "document.assigned": {
        "vi": {
            "subject": "Văn bản được giao: {title}",
            "intro": "{actor} đã giao văn bản sau, anh/chị tham gia với vai trò {role}.",
        },
        "en": {
            "subject": "Document assigned: {title}",
            "intro": "{actor} assigned the following document; your part: {role}.",
        },
    },
    "document.awaiting_review": {
        "vi": {
            "subject": "Dự thảo chờ anh/chị xem xét: {title}",
            "intro": "{actor} trình dự thảo văn bản sau để anh/chị xem xét.",
        },
        "en": {
            "subject": "Draft awaiting your review: {title}",
            "intro": "{actor} submitted the following draft for your review.",
        },
    },
    "document.awaiting_signature": {
        "vi": {
            "subject": "Dự thảo chờ ký duyệt: {title}",
            "intro": "Dự thảo văn bản sau đã qua các bước xem xét và chờ anh/chị ký duyệt.",
        },
        "en": {
            "subject": "Draft awaiting your signature: {title}",
            "intro": "The following draft passed its reviews and awaits your approval.",
        },
    },
    "document.returned": {
        "vi": {
            "subject": "Dự thảo bị trả lại: {title}",
            "intro": "{actor} đã trả lại dự thảo văn bản sau để chỉnh sửa.",
        },
        "en": {
            "subject": "Draft returned for revision: {title}",
            "intro": "{actor} returned the following draft for revision.",
        },
    },
    "document.approved": {
        "vi": {"subject": "Dự thảo đã được duyệt: {title}", "intro": "{actor} đã duyệt dự thảo văn bản sau."},
        "en": {"subject": "Draft approved: {title}", "intro": "{actor} approved the following draft."},
    },
    "document.issued": {
        "vi": {
            "subject": "Văn bản đã ban hành: {title}",
            "intro": "Văn bản sau đã được phát hành và gửi đến anh/chị.",
        },
        "en": {
            "subject": "Document issued: {title}",
            "intro": "The following document was issued and sent to you.",
        },
    },
    "document.deadline_near": {
        "vi": {
            "subject": "Sắp đến hạn xử lý: {title}",
            "intro": "Văn bản sau sắp đến hạn xử lý ({deadline}).",
        },
        "en": {
            "subject": "Deadline approaching: {title}",
            "intro": "The following document is due soon ({deadline}).",
        },
    },
    "document.deadline_passed": {
        "vi": {"subject": "Quá hạn xử lý: {title}", "intro": "Văn bản sau đã quá hạn xử lý ({deadline})."},
        "en": {
            "subject": "Deadline passed: {title}",
            "intro": "The following document is past its deadline ({deadline}).",
        },
    },
    "document.recalled": {
        "vi": {
            "subject": "Văn bản đã bị thu hồi: {title}",
            "intro": (
                "Cơ quan ban hành đã thu hồi văn bản sau; anh/chị dừng xử lý văn bản này. Lý do: {reason}"
            ),
        },
        "en": {
            "subject": "Document recalled: {title}",
            "intro": "Its issuer recalled the following document; stop handling it. Reason: {reason}",
        },
    },
    "meeting.invitation": {
        "vi": {"subject": "Giấy mời họp: {title}", "intro": "Kính mời anh/chị dự cuộc họp sau."},
        "en": {
            "subject": "Meeting invitation: {title}",
            "intro": "You are invited to the following meeting.",
        },
    },
    "meeting.changed": {
        "vi": {"subject": "Thay đổi cuộc họp: {title}", "intro": "Cuộc họp sau đã thay đổi thông tin."},
        "en": {"subject": "Meeting changed: {title}", "intro": "The following meeting has changed."},
    },
    "meeting.cancelled": {
        "vi": {"subject": "Hủy cuộc họp: {title}", "intro": "Cuộc họp sau đã bị hủy."},
        "en": {"subject": "Meeting cancelled: {title}", "intro": "The following meeting was cancelled."},
    },
    "meeting.minutes_ready": {
        "vi": {
            "subject": "Biên bản họp đã được duyệt: {title}",
            "intro": "Biên bản cuộc họp sau đã được chủ trì duyệt; anh/chị xem và tải bản PDF trên hệ thống.",
        },
        "en": {
            "subject": "Minutes approved: {title}",
            "intro": "The chair approved the minutes of the following meeting; read and download the PDF.",
        },
    },
    "records.handover_due": {
        "vi": {
            "subject": "Hồ sơ cần nộp lưu trước ngày {deadline}",
            "intro": "{count} hồ sơ do anh/chị lập cần nộp lưu vào Lưu trữ cơ quan trước ngày {deadline}.",
        },
        "en": {
            "subject": "Case files to hand over to the archive by {deadline}",
            "intro": "{count} case files you keep are to be handed over to the agency archive by {deadline}.",
        },
    },
    "digest": {
        "vi": {
            "subject": "Tổng hợp thông báo trong ngày ({count})",
            "intro": "Các thông báo không khẩn gửi anh/chị trong ngày.",
        },
        "en": {"subject": "Your daily digest ({count})", "intro": "Today's non-urgent notices."},
    },
}

LABELS = {
    "vi": {
        "open": "Mở trong hệ thống",
        "urgent": "KHẨN",
        "footer": (
            "Thư tự động từ Văn phòng điện tử. "
            "Anh/chị có thể chọn loại thông báo nhận qua thư trong phần cài đặt."
        ),
    },
    "en": {
        "open": "Open in e-office",
        "urgent": "URGENT",
        "footer": (
            "Automatic message from e-office. Choose which notices reach you by e-mail in your settings."
        ),
    },
}

LANGUAGES = ("vi", "en")
