"""SMTP constants: security modes, default ports and what every reply code means.

An SMTP server answers each command with a three-digit reply code (RFC 5321 §4.2,
enhanced codes RFC 3463).  The first digit is the outcome, and it is all a client
may rely on; the table below gives the common codes their words and says whose
fault a permanent one is:

    Kind.TRANSIENT      4xx, and a dropped or refused connection     try again later
    Kind.PERMANENT      5xx                                          never succeeds as is
      provider_side     the account or the server set-up             (login refused,
                                                                      TLS required, sender
                                                                      refused, relaying
                                                                      denied): the hub tries
                                                                      the clinic's next provider
      not provider_side the recipient or the message                 (no such mailbox,
                                                                      message too big, spam):
                                                                      the message fails
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


class Security(enum.StrEnum):
    """How the connection to the SMTP server is protected."""

    TLS = "tls"  #: implicit TLS from the first byte (SMTPS, port 465)
    STARTTLS = "starttls"  #: plain connection upgraded by STARTTLS (submission, port 587)
    NONE = "none"  #: no encryption (a relay on the clinic's own network only)


DEFAULT_PORTS: Final = MappingProxyType(
    {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}
)


class Kind(enum.StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Reply:
    """One SMTP reply code: its kind, whose fault, and what it means in plain words."""

    kind: Kind
    text: str
    provider_side: bool = False


def _transient(text: str) -> Reply:
    return Reply(Kind.TRANSIENT, text)


def _server(text: str) -> Reply:
    return Reply(Kind.PERMANENT, text, provider_side=True)


def _recipient(text: str) -> Reply:
    return Reply(Kind.PERMANENT, text)


#: Reply codes with a meaning of their own (RFC 5321 §4.2.2, RFC 4954 §6, RFC 3207).
REPLIES: Final = MappingProxyType(
    {
        421: _transient("Service not available, closing transmission channel"),
        432: _transient("A password transition is needed"),
        450: _transient("Mailbox unavailable (busy or temporarily blocked)"),
        451: _transient("Local error in processing"),
        452: _transient("Insufficient system storage"),
        454: _transient("Temporary authentication failure or TLS not available"),
        455: _transient("Server unable to accommodate parameters"),
        500: _server("Syntax error, command unrecognised"),
        501: _server("Syntax error in parameters or arguments"),
        502: _server("Command not implemented"),
        503: _server("Bad sequence of commands (the server may require authentication)"),
        504: _server("Command parameter or authentication mechanism not implemented"),
        521: _server("The server does not accept mail"),
        523: _server("Encryption needed for this authentication mechanism"),
        530: _server("Authentication required (or STARTTLS first)"),
        534: _server("Authentication mechanism is too weak"),
        535: _server("Authentication credentials invalid"),
        538: _server("Encryption required for the requested authentication mechanism"),
        550: _recipient("Mailbox unavailable (no such user, or refused by policy)"),
        551: _recipient("User not local"),
        552: _recipient("Exceeded storage allocation (mailbox full or message too big)"),
        553: _recipient("Mailbox name not allowed"),
        554: _recipient("Transaction failed (rejected as spam or by policy)"),
        555: _server("MAIL FROM/RCPT TO parameters not recognised"),
        556: _recipient("The recipient's domain does not accept mail"),
    }
)

#: Replies to MAIL FROM that are the sender's (the clinic's set-up), not the recipient's.
SENDER_REFUSED: Final = Reply(
    Kind.PERMANENT, "The server refused the sender address", provider_side=True
)


def classify(code: int | None) -> Reply:
    """What a reply code means; unknown codes by their first digit, ``None`` (no reply:
    the connection failed) as transient."""
    if code is None:
        return _transient("No answer from the SMTP server")
    known = REPLIES.get(code)
    if known is not None:
        return known
    if 400 <= code < 500:
        return _transient(f"Temporary failure {code}")
    return _recipient(f"Permanent failure {code}")
