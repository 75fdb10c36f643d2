"""Delivery of composed messages: SMTP in production, a local mailbox folder in the embedded default."""

from __future__ import annotations

import abc
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from eoffice.config import Settings


class TemporaryFailure(Exception):
    """Worth retrying later: the server is down, busy, or answered 4xx."""


class PermanentFailure(Exception):
    """Retrying will not help: the server answered 5xx for this message, or the address is invalid."""


class MailTransport(abc.ABC):
    #: The status a delivered message gets: "sent" through SMTP, "kept" in the local mailbox.
    delivered_status = "sent"

    @abc.abstractmethod
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None:  # noqa: B027 - most transports hold nothing open
        pass


def _classify(code: int, text: bytes | str) -> Exception:
    reason = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}".strip()
    return PermanentFailure(reason) if 500 <= code < 600 else TemporaryFailure(reason)


class SmtpTransport(MailTransport):
    """Keeps one connection open across a batch of messages and reopens it after any error."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self._settings
        host, port, timeout = config.smtp_host, config.effective_smtp_port, config.smtp_timeout
        if config.smtp_security == "ssl":
            connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
            if config.smtp_security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if config.smtp_username:
            connection.login(config.smtp_username, config.smtp_password or "")
        return connection

    def send(self, message: EmailMessage) -> None:
        try:
            if self._connection is None:
                self._connection = self._connect()
            refused = self._connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            code, text = next(iter(exc.recipients.values()))
            raise _classify(code, text) from exc
        except smtplib.SMTPAuthenticationError as exc:
            # A wrong password is the deployment's fault, not the message's: keep retrying.
            self.close()
            raise TemporaryFailure(f"authentication failed: {exc.smtp_code} {exc.smtp_error!r}") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise _classify(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
        if refused:
            code, text = next(iter(refused.values()))
            raise _classify(code, text)

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._connection = None


class LocalMailbox(MailTransport):
    """Without an SMTP server, messages are kept: readable in the admin view and as .eml files."""

    delivered_status = "kept"

    def __init__(self, folder: Path):
        self._folder = folder

    def send(self, message: EmailMessage) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("/", "_") + ".eml"
        try:
            (self._folder / name).write_bytes(message.as_bytes())
        except OSError as exc:
            raise TemporaryFailure(f"cannot write {self._folder / name}: {exc}") from exc


def build_transport(settings: Settings) -> MailTransport:
    if settings.smtp_host:
        return SmtpTransport(settings)
    return LocalMailbox(settings.instance_dir / "mail")
