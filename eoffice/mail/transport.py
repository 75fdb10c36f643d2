"""Delivery of composed messages: SMTP in production, a local mailbox folder in the embedded default."""

from __future__ import annotations

import abc
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from eoffice.config import Settings


class TemporaryFailure(Exception):
    """Worth retrying later: the server answered 4xx for this message."""


class ServerUnavailable(TemporaryFailure):
    """The server could not be reached, dropped the conversation or would not let us in.

    No fault of the message being sent: it waits for the server however long that takes, and
    the attempts after which a message is given up are not spent on it.
    """


class PermanentFailure(Exception):
    """Retrying will not help: the server answered 5xx for this message, or the address is invalid."""


class MailTransport(abc.ABC):
    #: The status a delivered message gets: "sent" through SMTP, "kept" in the local mailbox.
    delivered_status = "sent"

    @abc.abstractmethod
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None:  # noqa: B027 - most transports hold nothing open
        pass


# RFC 5321 §3.8: the server is shutting the conversation down, whatever the message.
_SERVICE_NOT_AVAILABLE = 421


def _reply(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}".strip()


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {_reply(exc.smtp_code, exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def _classify(code: int, text: bytes | str) -> Exception:
    reason = _reply(code, text)
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
        try:
            if config.smtp_security == "starttls":
                connection.starttls(context=ssl.create_default_context())
            if config.smtp_username:
                connection.login(config.smtp_username, config.smtp_password or "")
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: EmailMessage) -> None:
        if self._connection is None:
            try:
                self._connection = self._connect()
            except (smtplib.SMTPException, OSError) as exc:
                # Refused, timed out, unknown host, a bad greeting, TLS or password: the server's
                # or the deployment's fault, the same for every message.
                raise ServerUnavailable(_describe(exc)) from exc
        try:
            refused = self._connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            code, text = next(iter(exc.recipients.values()))
            raise _classify(code, text) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            if exc.smtp_code == _SERVICE_NOT_AVAILABLE:
                raise ServerUnavailable(_describe(exc)) from exc
            raise _classify(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Disconnected, reset or timed out mid-conversation.
            self.close()
            raise ServerUnavailable(_describe(exc)) from exc
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
