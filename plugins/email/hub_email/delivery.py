"""Sending and the connection check, in the hub's terms.

    mailer_for(ctx)        the SmtpMailer for this clinic's settings
    send(ctx, message)     one e-mail -> DeliveryResult (Message-ID as the provider's id)
    check(ctx)             connect + TLS + login -> CheckResult in an admin's sentences

SMTP has no delivery receipts the hub could collect, so an accepted message stays
``sent`` (the server took it); a bounce arrives later in the sender's mailbox.
A reply code's outcome comes from :func:`hub_email.const.classify`: 4xx transient
(retried by the hub), 5xx permanent — ``provider_side`` for the clinic's set-up (login
refused, sender refused, TLS failure: the hub tries the clinic's next provider), not for
the recipient (no such mailbox: the message fails with the server's code and text).
"""

from __future__ import annotations

from typing import Any

from hub import CheckResult, DeliveryResult, HookContext, OutgoingMessage
from hub_email.client import Mail, SmtpConfig, SmtpError, SmtpMailer
from hub_email.settings import EmailSettings

Ctx = HookContext[EmailSettings]


def mailer_for(settings: EmailSettings) -> SmtpMailer:
    """The mailer for these settings (secrets unwrapped only here)."""
    return SmtpMailer(
        SmtpConfig(
            host=settings.host,
            port=settings.effective_port,
            security=settings.security,
            username=settings.username,
            password=settings.password.get_secret_value() if settings.password else None,
            sender=settings.sender,
            sender_name=settings.sender_name,
            client_certificate=settings.client_certificate,
            client_key=settings.client_key.get_secret_value() if settings.client_key else None,
            ca_certificate=settings.ca_certificate,
            timeout=settings.timeout_seconds,
        )
    )


def failure(error: SmtpError) -> DeliveryResult:
    """An SMTP failure as a delivery result: the server's own code and words."""
    code = None if error.code is None else str(error.code)
    text = f"{error.stage}: {error.text}" if error.stage else error.text
    raw = {"stage": error.stage, "code": error.code, "reply": error.text}
    if error.transient:
        return DeliveryResult.transient(code, text, raw=raw)
    return DeliveryResult.permanent(code, text, provider_side=error.provider_side, raw=raw)


async def send(ctx: Ctx, message: OutgoingMessage) -> DeliveryResult:
    """Send one e-mail: the message's subject (or the default), text and HTML part."""
    settings = ctx.settings
    address = message.address.strip()
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        return DeliveryResult.permanent("553", f"not an e-mail address: {message.address!r}")
    mail = Mail(
        to=address,
        to_name=message.recipient_name,
        subject=(message.subject or "").strip() or settings.default_subject,
        text=message.text,
        html=message.html,
        key=message.idempotency_key,
    )
    try:
        sent = await mailer_for(settings).send(mail)
    except SmtpError as error:
        return failure(error)
    return DeliveryResult.accepted(
        sent.message_id, raw={"message_id": sent.message_id, "reply": sent.reply}
    )


async def check(ctx: Ctx) -> CheckResult:
    """Connect, secure, log in — and say what went wrong in words an admin can act on."""
    settings = ctx.settings
    try:
        info = await mailer_for(settings).check()
    except SmtpError as error:
        return CheckResult.failed(explain(error, settings))
    details: dict[str, Any] = {
        "server": f"{info.host}:{info.port}",
        "security": info.security,
        "encrypted": info.encrypted,
        "logged_in": info.authenticated,
        "sender": settings.sender,
    }
    if info.max_size is not None:
        details["max_message_bytes"] = info.max_size
    return CheckResult.passed(**details)


def explain(error: SmtpError, settings: EmailSettings) -> str:
    """One sentence per failure, naming the setting to change."""
    where = f"{settings.host}:{settings.effective_port}"
    said = f"{error.code} {error.text}" if error.code is not None else error.text
    if error.stage == "login":
        return (
            f"The mail server {where} refused the login {settings.username!r} ({said}): "
            "check username and password (many services need an app password)."
        )
    if error.stage == "tls":
        return (
            f"The secure connection to {where} failed ({error.text}): check `security` "
            "(tls on 465, starttls on 587), `ca_certificate` for the clinic's own server, "
            "and the client certificate."
        )
    if error.stage == "connect" and error.code is None:
        return (
            f"The mail server {where} could not be reached ({error.text}): check `host`, "
            "`port` and the hub's network access."
        )
    return f"The mail server {where} answered {said} ({error.stage})."
