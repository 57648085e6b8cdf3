"""A real SMTP server on loopback that keeps what the app sends, for development and tests.

The app sends password-reset email over SMTP when it runs locally (MAIL_TRANSPORT=smtp); this sink
(aiosmtpd) receives it, writes each message as a file, and the host shows them at GET /_dev/mail,
so a developer follows a reset link from `make run` and a test reads the link the app sent.
Messages hold reset links, so they are never logged, only counted.

Files, not memory: with --workers N the sink runs in the supervising process and every worker
reads the folder.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

MAIL_DIR_ENV = "DEVHOST_MAIL_DIR"
PAGE = "/_dev/mail"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")

log = logging.getLogger("devhost.mail")


def wanted() -> bool:
    """Only where the app would send to a sink on this machine: never for Azure settings."""
    return (os.environ.get("APP_ENV", "local") in ("local", "test")
            and os.environ.get("MAIL_TRANSPORT", "smtp") == "smtp"
            and os.environ.get("SMTP_HOST", "127.0.0.1") in _LOOPBACK)


class _Keeper:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        name = f"{time.time_ns()}-{self.count:05d}.eml"
        partial = self.folder / (name + ".part")
        partial.write_bytes(envelope.content)
        partial.rename(self.folder / name)  # a reader never sees half a message
        log.info("mail received (%d so far): read it at %s", self.count, PAGE)
        return "250 OK"


class MailSink:
    def __init__(self, port: int) -> None:
        self.port = port
        self._folder = tempfile.TemporaryDirectory(prefix="devhost-mail-")
        self.folder = Path(self._folder.name)
        self._controller: Any = None

    def start(self) -> bool:
        from aiosmtpd.controller import Controller

        controller = Controller(_Keeper(self.folder), hostname="127.0.0.1", port=self.port)
        try:
            controller.start()
        except (OSError, RuntimeError) as exc:  # the port is taken: another host's sink has it
            log.warning("mail sink not started on port %d (%s): email goes to whatever listens there",
                        self.port, type(exc).__name__)
            return False
        self._controller = controller
        os.environ[MAIL_DIR_ENV] = str(self.folder)
        return True

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
        self._folder.cleanup()


def messages(folder: str) -> list[dict[str, str]]:
    """The messages received, oldest first: to, from, subject, text."""
    found = []
    for path in sorted(Path(folder).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        found.append({"to": str(message["To"]), "from": str(message["From"]), "subject": str(message["Subject"]),
                      "text": body.get_content() if body is not None else ""})
    return found


def page_body(folder: str) -> bytes:
    return json.dumps(messages(folder)).encode()
