"""SmtpMailer: e-mail over SMTP with aiosmtplib; knows nothing of the hub.

    mailer = SmtpMailer(SmtpConfig(host="mail.clinic.ru", security=Security.TLS,
                                   username="reminders", password="...",
                                   sender="reminders@clinic.ru"))
    info = await mailer.check()                  # connect + TLS + login, sends nothing
    sent = await mailer.send(Mail(to=..., subject=..., text=..., html=...))

Each call opens its own connection (implicit TLS, or STARTTLS required, or plain for a
relay on the clinic's network), logs in when a username is set, and quits.  The
server's certificate is checked against the system's trusted roots, or against
``ca_certificate`` (PEM) for a clinic's own authority; a client certificate (PEM
certificate + key) is presented when set.

The message is UTF-8 throughout: the subject and names are RFC 2047 encoded, the text
part is ``text/plain; charset=utf-8`` and an HTML part, when given, makes it
``multipart/alternative``.  ``Message-ID`` is derived from the caller's idempotency key,
so a retry after a lost answer carries the same id and mail clients show it once.

Every failure raises :class:`SmtpError` with the server's own reply code and text and
the kind from :mod:`hub_email.const`; the password never appears in it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import ssl
import tempfile
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

import aiosmtplib

from hub_email.const import DEFAULT_PORTS, SENDER_REFUSED, Kind, Security, classify

REDACTED = "***"


class SmtpError(Exception):
    """The server refused, or could not be reached.

    ``code`` is the SMTP reply code (``None`` without a reply: network, time-out, TLS);
    ``stage`` is the step that failed (connect, tls, login, sender, recipient, data).
    """

    def __init__(
        self,
        code: int | None,
        text: str,
        kind: Kind,
        *,
        provider_side: bool = False,
        stage: str = "",
    ) -> None:
        prefix = f"SMTP {code}" if code is not None else "SMTP"
        super().__init__(f"{prefix} ({stage}): {text}" if stage else f"{prefix}: {text}")
        self.code = code
        self.text = text
        self.kind = kind
        self.provider_side = provider_side
        self.stage = stage

    @property
    def transient(self) -> bool:
        return self.kind is Kind.TRANSIENT


@dataclass(frozen=True)
class SmtpConfig:
    """Where the server is and how to log in; PEM texts, not file names."""

    host: str
    sender: str
    port: int | None = None
    security: Security = Security.TLS
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender_name: str | None = None
    client_certificate: str | None = None
    client_key: str | None = field(default=None, repr=False)
    ca_certificate: str | None = None
    timeout: float = 30.0
    local_hostname: str | None = None

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]


@dataclass(frozen=True)
class Mail:
    """One message to one recipient."""

    to: str
    subject: str
    text: str
    html: str | None = None
    to_name: str | None = None
    key: str | None = None  #: idempotency key; the Message-ID is derived from it


@dataclass(frozen=True)
class Sent:
    """The server took the message: its Message-ID and the server's final reply."""

    message_id: str
    code: int
    reply: str


@dataclass(frozen=True)
class ServerInfo:
    """What the connection check learned."""

    host: str
    port: int
    security: str
    encrypted: bool
    authenticated: bool
    extensions: tuple[str, ...]
    max_size: int | None


class SmtpMailer:
    """Sends mail through one SMTP server with one account."""

    def __init__(self, config: SmtpConfig) -> None:
        if not config.host:
            raise ValueError("the SMTP server's host name is required")
        self.config = config

    # --- public -----------------------------------------------------------------------

    async def check(self) -> ServerInfo:
        """Connect, secure the connection, log in, quit: raises :class:`SmtpError`."""
        async with self._session() as smtp:
            extensions = tuple(sorted(smtp.esmtp_extensions))
            size = smtp.esmtp_extensions.get("size", "")
            return ServerInfo(
                host=self.config.host,
                port=self.config.effective_port,
                security=self.config.security.value,
                encrypted=smtp.is_connected and _encrypted(smtp),
                authenticated=bool(self.config.username),
                extensions=extensions,
                max_size=int(size) if size.isdigit() else None,
            )

    async def send(self, mail: Mail) -> Sent:
        """Send one message; returns its Message-ID and the server's reply."""
        message = self.build(mail)
        async with self._session() as smtp:
            try:
                errors, reply = await smtp.send_message(
                    message, sender=self.config.sender, recipients=[mail.to]
                )
            except aiosmtplib.SMTPSenderRefused as exc:
                raise SmtpError(
                    exc.code,
                    self._redact(exc.message) or SENDER_REFUSED.text,
                    Kind.TRANSIENT if 400 <= exc.code < 500 else Kind.PERMANENT,
                    provider_side=True,
                    stage="sender",
                ) from None
            except aiosmtplib.SMTPRecipientsRefused as exc:
                refused = exc.recipients[0] if exc.recipients else None
                code = refused.code if refused is not None else None
                text = refused.message if refused is not None else "recipient refused"
                raise self._reply_error(code, text, "recipient") from None
            except aiosmtplib.SMTPRecipientRefused as exc:
                raise self._reply_error(exc.code, exc.message, "recipient") from None
            except aiosmtplib.SMTPDataError as exc:
                raise self._reply_error(exc.code, exc.message, "data") from None
            except aiosmtplib.SMTPException as exc:
                raise self._error(exc, "send") from None
        if errors:  # only reachable with several recipients; kept for completeness
            first = next(iter(errors.values()))
            raise self._reply_error(first.code, first.message, "recipient")
        return Sent(message_id=str(message["Message-ID"]), code=250, reply=self._redact(reply))

    def build(self, mail: Mail) -> EmailMessage:
        """The MIME message: UTF-8 text, an HTML alternative when given."""
        config = self.config
        message = EmailMessage()
        message["Subject"] = mail.subject
        message["From"] = _address(config.sender, config.sender_name)
        message["To"] = _address(mail.to, mail.to_name)
        message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
        message["Message-ID"] = message_id(mail.key, config.sender)
        message.set_content(mail.text, charset="utf-8")
        if mail.html:
            message.add_alternative(mail.html, subtype="html", charset="utf-8")
        return message

    # --- connection ---------------------------------------------------------------------

    def _session(self) -> _Session:
        return _Session(self)

    async def _open(self) -> aiosmtplib.SMTP:
        config = self.config
        security = config.security
        smtp = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.effective_port,
            use_tls=security is Security.TLS,
            start_tls=True if security is Security.STARTTLS else False,
            tls_context=self._tls_context() if security is not Security.NONE else None,
            timeout=config.timeout,
            local_hostname=config.local_hostname,
        )
        try:
            await smtp.connect()
        except aiosmtplib.SMTPException as exc:
            raise self._error(exc, "connect") from None
        except ssl.SSLError as exc:
            raise self._tls_error(exc) from None
        except OSError as exc:
            raise SmtpError(None, self._unreachable(exc), Kind.TRANSIENT, stage="connect") from None
        if config.username:
            try:
                await smtp.login(config.username, config.password or "")
            except aiosmtplib.SMTPAuthenticationError as exc:
                await _drop(smtp)
                raise SmtpError(
                    exc.code,
                    self._redact(exc.message) or "login refused",
                    Kind.TRANSIENT if 400 <= exc.code < 500 else Kind.PERMANENT,
                    provider_side=True,
                    stage="login",
                ) from None
            except aiosmtplib.SMTPException as exc:
                await _drop(smtp)
                raise self._error(exc, "login", provider_side=True) from None
        return smtp

    def _tls_context(self) -> ssl.SSLContext:
        config = self.config
        try:
            context = ssl.create_default_context(cadata=config.ca_certificate or None)
            if config.client_certificate:
                _load_client_certificate(
                    context, config.client_certificate, config.client_key or ""
                )
        except (ssl.SSLError, ValueError) as exc:
            raise SmtpError(
                None,
                f"the certificates in the settings cannot be used: {exc}",
                Kind.PERMANENT,
                provider_side=True,
                stage="tls",
            ) from None
        return context

    # --- errors -------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        password = self.config.password
        return text.replace(password, REDACTED) if password else text

    def _reply_error(self, code: int | None, text: str, stage: str) -> SmtpError:
        meaning = classify(code)
        return SmtpError(
            code,
            self._redact(text) or meaning.text,
            meaning.kind,
            provider_side=meaning.provider_side,
            stage=stage,
        )

    def _error(
        self, exc: aiosmtplib.SMTPException, stage: str, *, provider_side: bool = False
    ) -> SmtpError:
        if isinstance(exc, aiosmtplib.SMTPResponseException):
            error = self._reply_error(exc.code, exc.message, stage)
            if provider_side and not error.transient:
                error.provider_side = True
            return error
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ssl.SSLError):
            return self._tls_error(cause)
        if isinstance(exc, aiosmtplib.SMTPTimeoutError):
            return SmtpError(
                None,
                f"{self.config.host}:{self.config.effective_port} did not answer in time",
                Kind.TRANSIENT,
                stage=stage,
            )
        text = self._redact(getattr(exc, "message", "") or str(exc))
        if isinstance(exc, aiosmtplib.SMTPConnectError | aiosmtplib.SMTPServerDisconnected):
            return SmtpError(None, text, Kind.TRANSIENT, stage=stage)
        # the server lacks what the settings ask for (STARTTLS, AUTH): a set-up fault
        return SmtpError(None, text, Kind.PERMANENT, provider_side=True, stage=stage)

    def _tls_error(self, exc: ssl.SSLError) -> SmtpError:
        reason = getattr(exc, "verify_message", None) or exc.reason or str(exc)
        return SmtpError(
            None,
            f"TLS with {self.config.host} failed: {reason}",
            Kind.PERMANENT,
            provider_side=True,
            stage="tls",
        )

    def _unreachable(self, exc: OSError) -> str:
        config = self.config
        return f"could not reach {config.host}:{config.effective_port} ({exc.strerror or exc})"


class _Session:
    """``async with``: an open, logged-in connection, closed (QUIT) afterwards."""

    def __init__(self, mailer: SmtpMailer) -> None:
        self._mailer = mailer
        self._smtp: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> aiosmtplib.SMTP:
        self._smtp = await self._mailer._open()
        return self._smtp

    async def __aexit__(self, *exc: Any) -> None:
        smtp = self._smtp
        if smtp is None:
            return
        transport = smtp.transport
        try:
            if smtp.is_connected:
                await smtp.quit()
        except (aiosmtplib.SMTPException, OSError):
            pass
        finally:
            await _drop(smtp, transport)


async def _drop(smtp: aiosmtplib.SMTP, transport: asyncio.BaseTransport | None = None) -> None:
    """Close the connection now, socket included.

    ``SMTP.close()`` only starts TLS's closing handshake, which waits for the server's
    answer (up to half a minute) before the socket is closed; a server that just hangs up
    after ``221`` leaves the socket open until then, or for ever if the event loop stops
    first.  After QUIT, or on a failure, there is nothing left to say, so the socket is
    aborted.  An aborted transport closes its socket on the loop's next turn, so this
    waits for that turn: a caller whose loop ends right after (a script, a test) leaves
    no socket behind.
    """
    transport = transport or smtp.transport
    smtp.close()
    if isinstance(transport, asyncio.WriteTransport):
        transport.abort()
        await asyncio.sleep(0)


# --- helpers ----------------------------------------------------------------------------


def message_id(key: str | None, sender: str) -> str:
    """``<digest@sender's domain>``: the same key always gives the same id."""
    domain = sender.rpartition("@")[2] or "clinic-hub.invalid"
    if key is None:
        key = os.urandom(16).hex()
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def _address(address: str, name: str | None) -> str:
    if not name:
        return address
    try:
        return str(Address(display_name=name, addr_spec=address))
    except (ValueError, IndexError):
        return formataddr((name, address))


def _encrypted(smtp: aiosmtplib.SMTP) -> bool:
    transport = smtp.transport
    return transport is not None and transport.get_extra_info("sslcontext") is not None


def _load_client_certificate(context: ssl.SSLContext, certificate: str, key: str) -> None:
    """``load_cert_chain`` reads files only: the PEM texts go to a private temporary
    folder for the call and are removed at once."""
    with tempfile.TemporaryDirectory(prefix="hub-email-") as folder:
        os.chmod(folder, 0o700)
        cert_path = os.path.join(folder, "cert.pem")
        key_path = os.path.join(folder, "key.pem")
        for path, text in ((cert_path, certificate), (key_path, key or certificate)):
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(text)
        context.load_cert_chain(cert_path, key_path)
