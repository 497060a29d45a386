"""One SMTP conversation, bounded in time, with the server's answer for each recipient.

SPEC "Email": SMTP calls time out, and delivery is tracked per recipient.
Flask-Mail's connection has no timeout and drops the per-recipient refusals
that ``sendmail`` reports, so the outbox talks to the server itself.

Every network step (connecting, each command's reply) waits at most
``MAIL_TIMEOUT`` seconds; a message's whole transaction also has a deadline,
so a server that answers one byte at a time cannot keep a message past the
claim its sender holds on it (after which another sender may take it).
"""

from __future__ import annotations

import smtplib
import ssl
import time
from dataclasses import dataclass
from typing import Any

#: Reply codes that mean "this recipient is taken" (RFC 5321 section 4.2).
ACCEPTED_CODES = frozenset({250, 251})
#: "Service not available, closing transmission channel": nothing more goes on this connection.
CLOSING_CODE = 421


@dataclass(frozen=True)
class Reply:
    #: The server's reply code; None when the connection broke before it answered.
    code: int | None
    text: str

    @property
    def accepted(self) -> bool:
        return self.code in ACCEPTED_CODES

    @property
    def permanent(self) -> bool:
        """5xx: the server will refuse again (RFC 5321 4.2.1); 4xx and errors may pass later."""
        return self.code is not None and 500 <= self.code < 600

    def __str__(self) -> str:
        return f"{self.code} {self.text}" if self.code is not None else self.text


class ConnectionLost(Exception):
    """The connection broke or timed out: what the server did with the message is unknown."""


class _Deadline:
    """Gives every read and write the smaller of the step timeout and the time left."""

    timeout: float
    sock: Any
    deadline: float | None = None

    def _budget(self) -> float:
        if self.deadline is None:
            return self.timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the message's time on the mail server ran out")
        return min(self.timeout, left)

    def send(self, s):
        if self.sock is not None:
            self.sock.settimeout(self._budget())
        return super().send(s)  # type: ignore[misc]

    def getreply(self):
        if self.sock is not None:
            self.sock.settimeout(self._budget())
        return super().getreply()  # type: ignore[misc]


class _SMTP(_Deadline, smtplib.SMTP):
    pass


class _SMTPSSL(_Deadline, smtplib.SMTP_SSL):
    pass


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    timeout: float
    use_tls: bool = False
    use_ssl: bool = False
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_config(cls, config) -> ServerSettings:
        return cls(
            host=config["MAIL_SERVER"],
            port=int(config["MAIL_PORT"]),
            timeout=float(config["MAIL_TIMEOUT"]),
            use_tls=bool(config["MAIL_USE_TLS"]),
            use_ssl=bool(config["MAIL_USE_SSL"]),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
        )


class SmtpConnection:
    """An open, greeted (and, if configured, encrypted and signed-in) SMTP connection."""

    def __init__(self, settings: ServerSettings):
        self.settings = settings
        factory = _SMTPSSL if settings.use_ssl else _SMTP
        self._smtp = factory(timeout=settings.timeout)
        self.usable = False
        # The whole opening (connect, greeting, EHLO, STARTTLS, AUTH) gets a few steps' time.
        self._smtp.deadline = time.monotonic() + 6 * settings.timeout
        try:
            self._smtp.connect(settings.host, settings.port)
            self._smtp.ehlo()
            if settings.use_tls:
                self._smtp.starttls(context=ssl.create_default_context())
                self._smtp.ehlo()
            if settings.username and settings.password:
                self._smtp.login(settings.username, settings.password)
        except BaseException:
            self.close()
            raise
        self.usable = True

    @staticmethod
    def time_needed(settings: ServerSettings, recipients: int) -> float:
        """The most one transaction may take: MAIL, each RCPT, DATA, the text, and RSET."""
        return settings.timeout * (recipients + 4)

    def transaction(
        self, sender: str, recipients: list[str], data: bytes, deadline: float
    ) -> dict[str, Reply]:
        """Offer ``data`` to ``recipients``; the server's final word for each of them.

        A recipient refused at RCPT keeps that refusal; one accepted at RCPT
        gets the reply to the message text (accepted only if that is 250).
        Nothing is read or written after ``deadline`` (``time.monotonic()``).
        Raises ConnectionLost if the conversation breaks off.
        """
        smtp = self._smtp
        smtp.deadline = deadline
        try:
            code, text = smtp.mail(sender)
            if code != 250:
                self._reset(code)
                return {r: Reply(code, _text(text)) for r in recipients}
            replies = {}
            for recipient in recipients:
                code, text = smtp.rcpt(recipient)
                replies[recipient] = Reply(code, _text(text))
            taken = [r for r, reply in replies.items() if reply.accepted]
            if not taken:
                closing = any(reply.code == CLOSING_CODE for reply in replies.values())
                self._reset(CLOSING_CODE if closing else None)
                return replies
            try:
                code, text = smtp.data(data)
            except smtplib.SMTPDataError as error:  # DATA itself refused (not 354)
                code, text = error.smtp_code, error.smtp_error
            final = Reply(code, _text(text))
            if code == CLOSING_CODE:
                self.close()
            return {**replies, **dict.fromkeys(taken, final)}
        except Exception as error:
            # Broken, timed out, or left mid-command by anything unexpected: the
            # connection's state is unknown, so it is done; the message is tried again.
            self.close()
            raise ConnectionLost(f"{type(error).__name__}: {error}") from error

    def _reset(self, code: int | None) -> None:
        if code == CLOSING_CODE:
            self.close()
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        self.usable = False
        smtp = self._smtp
        if smtp.sock is None:
            return
        smtp.deadline = time.monotonic() + self.settings.timeout
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:1000]
