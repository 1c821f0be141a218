"""SmtpMailer against a real SMTP server: TLS modes, login, certificates, MIME, reply codes."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hub_email.client import Mail, SmtpError, SmtpMailer, message_id
from hub_email.const import Kind, Security

from .certificates import certificates
from .fake_smtp import FakeSmtp
from .support import LOGIN, PASSWORD, PATIENT, SENDER, config_for

MAIL = Mail(
    to=PATIENT,
    to_name="Иванова Мария",
    subject="Напоминание о приёме 24.11 в 10:30",
    text="Мария Ивановна, ждём вас завтра в 10:30 у врача-терапевта.",
    key="k-1",
)


@pytest.mark.parametrize("security", ["tls", "starttls"])
async def test_sends_over_tls_after_login(
    start_server: Callable[..., FakeSmtp], security: str
) -> None:
    server = start_server(security=security)
    sent = await SmtpMailer(config_for(server)).send(MAIL)
    (got,) = server.received
    assert got.tls is True and got.login == LOGIN
    assert (got.sender, got.recipients) == (SENDER, [PATIENT])
    assert sent.message_id == got.message["Message-ID"] == message_id("k-1", SENDER)
    assert "queued as Q00001" in sent.reply
    assert server.logins == [(LOGIN, True)]


async def test_message_is_utf8_text_with_encoded_headers(server: FakeSmtp) -> None:
    await SmtpMailer(config_for(server)).send(MAIL)
    message = server.received[0].message
    assert message["Subject"] == MAIL.subject
    assert message["To"].addresses[0].display_name == "Иванова Мария"
    assert message["From"].addresses[0].display_name == "Клиника «Здоровье»"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().strip() == MAIL.text
    assert message["Date"] is not None


async def test_html_makes_an_alternative_part(server: FakeSmtp) -> None:
    html = "<p>Ждём вас <b>завтра</b> в 10:30</p>"
    await SmtpMailer(config_for(server)).send(
        Mail(to=PATIENT, subject="Приём", text="Ждём вас завтра в 10:30", html=html)
    )
    message = server.received[0].message
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    rich = message.get_body(("html",))
    assert plain is not None and plain.get_content().strip() == "Ждём вас завтра в 10:30"
    assert rich is not None and rich.get_content().strip() == html


async def test_same_key_same_message_id_so_a_retry_shows_once(server: FakeSmtp) -> None:
    mailer = SmtpMailer(config_for(server))
    first, again = await mailer.send(MAIL), await mailer.send(MAIL)
    assert first.message_id == again.message_id
    other = await mailer.send(Mail(to=PATIENT, subject="x", text="y", key="k-2"))
    assert other.message_id != first.message_id


async def test_check_connects_and_logs_in_without_sending(server: FakeSmtp) -> None:
    info = await SmtpMailer(config_for(server)).check()
    assert info.encrypted is True and info.authenticated is True
    assert info.port == server.port and info.security == "tls"
    assert server.received == [] and server.logins == [(LOGIN, True)]


async def test_client_certificate_is_presented(start_server: Callable[..., FakeSmtp]) -> None:
    server = start_server(security="starttls", require_client_certificate=True)
    client = certificates().client
    mailer = SmtpMailer(
        config_for(server, client_certificate=client.certificate, client_key=client.key)
    )
    await mailer.send(MAIL)
    presented = server.received[0].client_certificate
    assert presented is not None
    subject = dict(pair[0] for pair in presented["subject"])
    assert subject["commonName"] == "clinic-hub reminders"


async def test_without_the_required_client_certificate_the_server_refuses(
    start_server: Callable[..., FakeSmtp],
) -> None:
    server = start_server(security="tls", require_client_certificate=True)
    with pytest.raises(SmtpError) as caught:
        await SmtpMailer(config_for(server)).send(MAIL)
    error = caught.value
    assert (error.code, error.kind, error.provider_side) == (530, Kind.PERMANENT, True)
    assert "Client certificate required" in error.text and server.received == []


async def test_wrong_password_is_a_provider_side_permanent_failure(server: FakeSmtp) -> None:
    with pytest.raises(SmtpError) as caught:
        await SmtpMailer(config_for(server, password="wrong-pass")).send(MAIL)
    error = caught.value
    assert (error.code, error.stage, error.kind, error.provider_side) == (
        535,
        "login",
        Kind.PERMANENT,
        True,
    )
    assert "wrong-pass" not in str(error) and server.received == []


async def test_without_login_the_server_wants_authentication(server: FakeSmtp) -> None:
    with pytest.raises(SmtpError) as caught:
        await SmtpMailer(config_for(server, username=None, password=None)).send(MAIL)
    assert (caught.value.code, caught.value.provider_side) == (530, True)


async def test_an_untrusted_server_certificate_is_refused(server: FakeSmtp) -> None:
    stranger = certificates().stranger
    with pytest.raises(SmtpError) as caught:
        await SmtpMailer(config_for(server, ca_certificate=stranger.certificate)).send(MAIL)
    error = caught.value
    assert (error.stage, error.kind, error.provider_side) == ("tls", Kind.PERMANENT, True)
    assert "certificate" in error.text.lower()


async def test_starttls_required_but_server_has_none(
    start_server: Callable[..., FakeSmtp],
) -> None:
    plain = start_server(security="none")
    with pytest.raises(SmtpError) as caught:
        await SmtpMailer(config_for(plain, security=Security.STARTTLS)).send(MAIL)
    assert (caught.value.kind, caught.value.provider_side) == (Kind.PERMANENT, True)


async def test_a_closed_port_is_transient() -> None:
    from .fake_smtp import free_port

    config = config_for(FakeSmtp(port=free_port()), timeout=2.0)
    with pytest.raises(SmtpError) as caught:
        await SmtpMailer(config).send(MAIL)
    assert (caught.value.code, caught.value.kind, caught.value.stage) == (
        None,
        Kind.TRANSIENT,
        "connect",
    )


async def test_unknown_mailbox_is_the_recipients_fault(server: FakeSmtp) -> None:
    with pytest.raises(SmtpError) as caught:
        await SmtpMailer(config_for(server)).send(
            Mail(to="nobody@example.ru", subject="x", text="y")
        )
    error = caught.value
    assert (error.code, error.stage, error.kind, error.provider_side) == (
        550,
        "recipient",
        Kind.PERMANENT,
        False,
    )
    assert "User unknown" in error.text


async def test_sender_not_owned_by_the_login_is_provider_side(server: FakeSmtp) -> None:
    with pytest.raises(SmtpError) as caught:
        await SmtpMailer(config_for(server, sender="other@clinic.example")).send(MAIL)
    error = caught.value
    assert (error.code, error.stage, error.provider_side) == (553, "sender", True)


@pytest.mark.parametrize(
    ("stage", "reply", "code", "kind"),
    [
        ("RCPT", "450 4.2.1 Mailbox busy, try later", 450, Kind.TRANSIENT),
        ("DATA", "451 4.3.0 Local error in processing", 451, Kind.TRANSIENT),
        ("DATA", "552 5.3.4 Message size exceeds fixed limit", 552, Kind.PERMANENT),
        ("DATA", "554 5.7.1 Rejected as spam", 554, Kind.PERMANENT),
        ("MAIL", "421 4.7.0 Too many connections, slow down", 421, Kind.TRANSIENT),
    ],
)
async def test_reply_codes_are_classified(
    server: FakeSmtp, stage: str, reply: str, code: int, kind: Kind
) -> None:
    server.replies[stage] = reply
    with pytest.raises(SmtpError) as caught:
        await SmtpMailer(config_for(server)).send(MAIL)
    error = caught.value
    assert (error.code, error.kind) == (code, kind)
    assert reply.split(" ", 2)[2] in error.text
    assert PASSWORD not in str(error)


@pytest.mark.parametrize(
    ("security", "password"),
    [("tls", PASSWORD), ("starttls", PASSWORD), ("tls", "wrong-pass")],
    ids=["tls", "starttls", "login-refused"],
)
async def test_no_socket_to_the_server_stays_open_after_a_call(
    start_server: Callable[..., FakeSmtp], security: str, password: str
) -> None:
    """After QUIT, or a refusal, the socket is closed at once: it does not wait for the
    server's half of TLS's closing handshake (which a server that hangs up never sends)."""
    server = start_server(security=security)
    mailer = SmtpMailer(config_for(server, password=password))
    try:
        await mailer.send(MAIL)
    except SmtpError:
        pass
    assert _own_sockets_to(server.port) == []  # closed before send returned


def _own_sockets_to(port: int) -> list[str]:
    """This process's open TCP sockets whose remote end is ``127.0.0.1:port``."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = []
    for line in Path("/proc/self/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote_port = int(fields[2].split(":")[1], 16)
        if remote_port == port and fields[9] in inodes:
            found.append(line)
    return found
