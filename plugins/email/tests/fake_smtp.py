"""A fake mail server: a real SMTP server (aiosmtpd) on 127.0.0.1 in its own thread.

It speaks SMTP as a clinic's mail server does:

* implicit TLS (``security="tls"``), STARTTLS required before login (``"starttls"``) or
  plain (``"none"``), with the server certificate of :mod:`.certificates`;
* AUTH PLAIN/LOGIN against ``users`` (login -> password), required before MAIL
  (``530``), refused with ``535 5.7.8`` for a wrong password;
* a client certificate asked for and, with ``require_client_certificate``, required
  (``530 5.7.0`` at MAIL FROM without one);
* ``mailboxes``: recipients it knows (others: ``550 5.1.1``); ``refuse_sender``: the
  logins allowed to send as each address (others: ``553 5.7.1`` at MAIL FROM);
* knobs: ``replies`` maps a stage (``"MAIL"``, ``"RCPT"``, ``"DATA"``) to the reply to
  give there once (``"451 4.3.0 Try again later"``...).

Every accepted message is kept in ``received`` (envelope and parsed message).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from .certificates import Pem, certificates


@dataclass
class Received:
    """One message the server accepted."""

    sender: str
    recipients: list[str]
    message: EmailMessage
    login: str | None
    tls: bool
    client_certificate: dict[str, Any] | None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_context(server: Pem, authority: Pem) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        cert, key = os.path.join(folder, "c.pem"), os.path.join(folder, "k.pem")
        with open(cert, "w") as f:
            f.write(server.certificate)
        with open(key, "w") as f:
            f.write(server.key)
        context.load_cert_chain(cert, key)
    context.load_verify_locations(cadata=authority.certificate)
    context.verify_mode = ssl.CERT_OPTIONAL  # ask for a client certificate, accept none
    return context


@dataclass
class FakeSmtp:
    """The server's accounts and state; :meth:`start` runs it."""

    security: str = "tls"
    users: dict[str, str] = field(default_factory=lambda: {"reminders": "s3cret-pass"})
    mailboxes: set[str] = field(default_factory=lambda: {"ivanova@example.ru"})
    send_as: dict[str, set[str]] = field(
        default_factory=lambda: {"reminders": {"reminders@clinic.example"}}
    )
    require_client_certificate: bool = False
    replies: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)
    server_certificate: Pem | None = None
    port: int = 0
    _controller: Controller | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeSmtp:
        certs = certificates()
        context = _server_context(self.server_certificate or certs.server, certs.authority)
        self.port = free_port()
        options: dict[str, Any] = {
            "authenticator": self._authenticate,
            # login is required at MAIL FROM (below); implicit TLS is always encrypted,
            # aiosmtpd itself only tracks STARTTLS
            "auth_required": False,
            "auth_require_tls": self.security == "starttls",
            "ident": "FakeSMTP",
        }
        if self.security == "starttls":
            options.update(tls_context=context, require_starttls=True)
        controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=context if self.security == "tls" else None,
            server_hostname="mail.clinic.example",
            **options,
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            # let the server's loop see the clients' last hang-ups and close those
            # sockets before it stops: a loop stopped with a close still pending leaves
            # its socket open, and a ResourceWarning in whichever test collects it
            asyncio.run_coroutine_threadsafe(asyncio.sleep(0.05), self._controller.loop).result(5)
            self._controller.stop()
            self._controller = None

    # --- behaviour ------------------------------------------------------------------------

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode()
        ok = self.users.get(login) == auth_data.password.decode()
        self.logins.append((login, ok))
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    def once(self, stage: str) -> str | None:
        return self.replies.pop(stage, None)


def _peer_certificate(server: Any) -> dict[str, Any] | None:
    transport = server.transport
    if transport is None:
        return None
    found = transport.get_extra_info("peercert")
    return found or None


def _encrypted(server: Any) -> bool:
    transport = server.transport
    return transport is not None and transport.get_extra_info("sslcontext") is not None


class _Handler:
    def __init__(self, fake: FakeSmtp) -> None:
        self.fake = fake

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        reply = self.fake.once("MAIL")
        if reply:
            return reply
        if self.fake.require_client_certificate and _peer_certificate(server) is None:
            return "530 5.7.0 Client certificate required"
        login = session.auth_data
        if login is None:
            return "530 5.7.0 Authentication required"
        if address not in self.fake.send_as.get(str(login), set()):
            return f"553 5.7.1 Sender address rejected: not owned by user {login}"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        reply = self.fake.once("RCPT")
        if reply:
            return reply
        if address not in self.fake.mailboxes:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = self.fake.once("DATA")
        if reply:
            return reply
        content = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.fake.received.append(
            Received(
                sender=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                message=parsed,
                login=session.auth_data,
                tls=_encrypted(server),
                client_certificate=_peer_certificate(server),
            )
        )
        return f"250 2.0.0 Ok: queued as Q{len(self.fake.received):05d}"
