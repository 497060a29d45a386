"""Real SMTP servers for the delivery tests: one that accepts, ones that refuse, one that hangs.

Each runs in the test process on a free port of 127.0.0.1 and records what it
was given at the envelope level (who each message was handed over for), which
is what "delivered to a recipient" means to the portal.

- ``SmtpServer()``                  accepts every recipient;
- ``SmtpServer(every_second=451)``  answers 451 (try later) to every second RCPT it sees;
- ``SmtpServer(refuse={addr: 550})`` answers the given code to the chosen recipients;
- ``SmtpServer(data_delay=s)``      accepts, then sits ``s`` seconds before answering the text
                                    (``release()`` ends the wait early with a 451: the test
                                    need not sit out a timeout to see what a stall does);
- ``SilentServer()``                accepts the TCP connection and never says a word.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

REPLIES = {
    451: "451 4.3.0 Mailbox temporarily unavailable, try again later",
    452: "452 4.2.2 Mailbox full",
    550: "550 5.1.1 No such user here",
    553: "553 5.1.3 Mailbox name not allowed",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    """One message as handed over: the envelope recipients and the parsed text."""

    recipients: list[str]
    message: email.message.EmailMessage


@dataclass
class _Handler:
    every_second: int | None = None
    refuse: dict[str, int] = field(default_factory=dict)
    data_delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    rcpt_seen: int = 0
    refusals: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    released: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        with self.lock:
            self.rcpt_seen += 1
            code = self.refuse.get(address.lower())
            if code is None and self.every_second and self.rcpt_seen % 2 == 0:
                code = self.every_second
            if code is not None:
                self.refusals.append((address.lower(), code))
                return REPLIES.get(code, f"{code} Refused")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_delay:
            waited_until = time.monotonic() + self.data_delay
            while time.monotonic() < waited_until:
                if self.released.is_set():
                    return REPLIES[451]
                await asyncio.sleep(0.05)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received([r.lower() for r in envelope.rcpt_tos], message))
        return "250 Message accepted for delivery"


class SmtpServer:
    """An aiosmtpd server with the behaviour chosen by the arguments (see the module doc)."""

    def __init__(
        self,
        *,
        every_second: int | None = None,
        refuse: dict[str, int] | None = None,
        data_delay: float = 0.0,
    ):
        self.port = free_port()
        self.handler = _Handler(
            every_second=every_second,
            refuse={a.lower(): c for a, c in (refuse or {}).items()},
            data_delay=data_delay,
        )
        self._controller = None

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def release(self) -> None:
        """End a ``data_delay`` stall now, answering 451 to the message that waits."""
        self.handler.released.set()

    def stop(self) -> None:
        self.release()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    @property
    def refusals(self) -> list[tuple[str, int]]:
        with self.handler.lock:
            return list(self.handler.refusals)

    def copies(self) -> Counter:
        """How many times each (address, subject) was handed over."""
        return Counter(
            (address, item.message["Subject"])
            for item in self.received
            for address in item.recipients
        )

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received


class SilentServer:
    """Accepts TCP connections and never answers: the hung mail server of issue 9."""

    def __init__(self):
        self.port = free_port()
        self._socket: socket.socket | None = None
        self._held: list[socket.socket] = []
        self._thread: threading.Thread | None = None
        self.connections = 0

    def start(self) -> SilentServer:
        self._socket = socket.create_server(("127.0.0.1", self.port))
        self._socket.settimeout(0.1)
        self._running = True
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        return self

    def _accept(self) -> None:
        while self._running:
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._held.append(connection)  # held open, never written to

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=2)
        for connection in self._held:
            connection.close()
        if self._socket is not None:
            self._socket.close()

    def __enter__(self) -> SilentServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
