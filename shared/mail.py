"""Email to customers: Azure Communication Services in Azure (the Function App's managed identity,
no connection string), SMTP locally (the sink `make run` starts, which the tests read).

A message is sent after the request has been answered (`send_later`): the answer to a
password-reset request must not take longer when the person exists than when nobody does. A
message's text can hold a reset link, so it is never logged; a failure is logged by recipient
domain and reason only.
"""

import asyncio
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

log = logging.getLogger("iebank.mail")


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str


class Mailer(Protocol):
    async def send(self, email: Email) -> None: ...


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str) -> None:
        self._host, self._port, self._sender = host, port, sender

    async def send(self, email: Email) -> None:
        await asyncio.to_thread(self._send, email)

    def _send(self, email: Email) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self._sender, email.to, email.subject
        message.set_content(email.text)
        with smtplib.SMTP(self._host, self._port, timeout=10) as smtp:
            smtp.send_message(message)


class AcsMailer:
    """Azure Communication Services Email, authenticated by the app's managed identity."""

    def __init__(self, endpoint: str, sender: str) -> None:
        self._endpoint, self._sender = endpoint, sender

    async def send(self, email: Email) -> None:
        from azure.communication.email.aio import EmailClient
        from azure.identity.aio import DefaultAzureCredential

        async with DefaultAzureCredential() as credential, EmailClient(self._endpoint, credential) as client:
            poller = await client.begin_send({
                "senderAddress": self._sender,
                "recipients": {"to": [{"address": email.to}]},
                "content": {"subject": email.subject, "plainText": email.text},
            })
            await poller.result()


class NoMailer:
    async def send(self, email: Email) -> None:
        log.warning("email not sent: MAIL_TRANSPORT is none", extra={"recipient_domain": _domain(email.to)})


def _domain(address: str) -> str:
    return address.rpartition("@")[2]


_pending: set[asyncio.Task[None]] = set()


def send_later(mailer: Mailer, email: Email) -> None:
    """Sends on the event loop after the caller has answered; failures are logged, not raised."""
    task = asyncio.get_running_loop().create_task(_send_logged(mailer, email))
    _pending.add(task)  # the loop keeps only a weak reference to a task
    task.add_done_callback(_pending.discard)


async def _send_logged(mailer: Mailer, email: Email) -> None:
    try:
        await mailer.send(email)
    except Exception as exc:  # a mail failure must not reach the request: logged instead
        log.error("email not sent", extra={"recipient_domain": _domain(email.to), "reason": type(exc).__name__})


async def drain() -> None:
    """Waits for the messages still being sent (tests, and the host's shutdown)."""
    while _pending:
        await asyncio.gather(*list(_pending), return_exceptions=True)
