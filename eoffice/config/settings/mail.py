"""Settings of e-mail: notifications sent by SMTP, and documents taken from agencies' mailboxes."""

from __future__ import annotations

from dataclasses import dataclass

from eoffice.config.environment import (
    parse_bool,
    parse_choice,
    parse_float,
    parse_int,
    parse_str,
    parse_url,
    setting,
)


@dataclass(frozen=True)
class MailIntakeSettings:
    """The IMAP intake of documents from the agencies' official mailboxes."""

    mail_intake: bool = setting(
        False,
        parse_bool,
        "Take documents from the agencies' official mailboxes (IMAP, configured per agency by its admin): "
        "`make run` then does it in its own process, `make serve` starts `flask mail-intake-worker`.",
    )
    mail_intake_poll_interval: float = setting(
        60.0,
        parse_float(1, 86400),
        "Seconds between two looks of the mail intake worker at each mailbox; with IDLE, the longest wait.",
    )
    mail_intake_timeout: float = setting(
        30.0, parse_float(1, 3600), "Seconds an IMAP server may take to answer before the look is given up."
    )
    mail_intake_max_message_size: int = setting(
        100 * 1024 * 1024,
        parse_int(1024),
        "Largest message taken from a mailbox, bytes; a larger one is moved to the refused folder unread.",
    )
    mail_intake_max_attachments: int = setting(
        20, parse_int(1, 200), "Attachments of one message at most; a message with more is refused."
    )
    mail_intake_max_attachment_size: int = setting(
        50 * 1024 * 1024,
        parse_int(1),
        "Largest attachment of a message, bytes; a message with a larger one is refused.",
    )


@dataclass(frozen=True)
class MailSettings:
    """Notification e-mails: the SMTP server, retries and the daily digest."""

    public_url: str | None = setting(
        None,
        parse_url,
        "Address users reach the server at, for links in e-mails and the S3 bucket's CORS rule; unset means "
        "http://HOST:PORT.",
    )
    smtp_host: str | None = setting(
        None,
        parse_str,
        "SMTP server; unset means mail is kept in the local outbox (admin view, instance/mail).",
    )
    smtp_port: int | None = setting(
        None, parse_int(1, 65535), "SMTP port; unset means 25, 587 with starttls, 465 with ssl."
    )
    smtp_username: str | None = setting(None, parse_str, "SMTP login, if the server wants one.")
    smtp_password: str | None = setting(None, parse_str, "SMTP password.")
    smtp_security: str = setting("none", parse_choice("none", "starttls", "ssl"), "none, starttls or ssl.")
    smtp_from: str = setting(
        "Văn phòng điện tử <noreply@eoffice.local>", parse_str, "Sender of notification e-mails."
    )
    smtp_timeout: int = setting(20, parse_int(1, 600), "Seconds before an SMTP conversation is abandoned.")
    mail_max_attempts: int = setting(
        8,
        parse_int(1, 100),
        "Attempts the SMTP server answers 4xx before a message is given up; an unreachable server "
        "spends none (the message waits for it).",
    )
    mail_lease_seconds: int = setting(
        120,
        parse_int(10, 3600),
        "How long a worker owns a message it is sending before another may retry it.",
    )
    mail_retry_base_seconds: int = setting(
        30,
        parse_int(0, 3600),
        "First retry delay after a temporary failure; doubles each attempt, up to an hour.",
    )
    mail_digest_hour: int = setting(
        7, parse_int(0, 23), "Hour (Vietnam time) the daily digest of non-urgent notices is sent."
    )

    @property
    def effective_smtp_port(self) -> int:
        return self.smtp_port or {"none": 25, "starttls": 587, "ssl": 465}[self.smtp_security]
