"""ONDOC constants: defaults, the portal's error codes, the feed events and state keys.

Everything the plugin and the client both need to name lives here once:

    DEFAULT_CODE_TEXT       the text that carries the 9-digit code (Russian)
    Err                     the ``error`` codes of the assumed protocol's answers
    DIRECTORY_KINDS         doctors, services, specialties (uploaded and mapped)
    Event                   the feed event types the plugin publishes (``ondoc.<what>``)
    key_*                   the keys of ``ctx.state`` (link codes, links, cursors...)
"""

from __future__ import annotations

import enum
from typing import Final

#: How long one portal call may take before it counts as a time-out (seconds).
CALL_TIMEOUT: Final = 15.0
#: The default poll interval, minutes (the seed's «время в минутах» of the service).
DEFAULT_POLL_MINUTES: Final = 5
#: The code the portal hands out: 9 digits.
CODE_LENGTH: Final = 9
#: The default text of the message carrying the code; ``{code}`` and ``{clinic}`` are filled in.
DEFAULT_CODE_TEXT: Final = (
    "Код для прикрепления к клинике «{clinic}» в ONDOC: {code}. "
    "Введите его в личном кабинете ONDOC."
)
#: The message kind of the code in the journal.
MESSAGE_KIND: Final = "ondoc_link_code"
#: The subject of the e-mail carrying the code.
CODE_SUBJECT: Final = "Код прикрепления к клинике в ONDOC"
#: The reason sent with a cancellation that has none.
NO_REASON: Final = "Отменена в клинике"
#: Most changes (links or bookings) one poll handles before it stops (the rest next time).
MAX_POLL_PAGES: Final = 20

#: The reference kinds uploaded to the portal and mapped there by a person.
DIRECTORY_KINDS: Final = ("doctors", "services", "specialties")


class Err(enum.StrEnum):
    """The ``error`` field of the portal's error answers (assumed-protocols §1)."""

    UNAUTHORIZED = "unauthorized"
    ALREADY_LINKED = "already_linked"
    NOT_LINKED = "not_linked"
    INVALID = "invalid"


class Token(enum.StrEnum):
    """Which token a call used: the company's («старое API») or the branch's («новое API»)."""

    COMPANY = "company_token"
    BRANCH = "branch_token"


#: How each token is labelled in ONDOC's own words (the settings window of the seed).
TOKEN_LABELS: Final = {
    Token.COMPANY: "Access token (старое API)",
    Token.BRANCH: "Access token (новое API)",
}


class Event(enum.StrEnum):
    """Feed events of the plugin (prefixed with the plugin id when published)."""

    LINK_CODE_ISSUED = "link_code_issued"
    PATIENT_LINKED = "patient_linked"
    PATIENT_UNLINKED = "patient_unlinked"
    BOOKING_CREATED = "booking_created"
    BOOKING_UPDATED = "booking_updated"
    BOOKING_CANCELLED = "booking_cancelled"


# --- ctx.state keys ---------------------------------------------------------------------

LINKS_CURSOR: Final = "cursor:links"
CHANGES_CURSOR: Final = "cursor:changes"
LAST_ERROR: Final = "last_error"


def key_code(patient_id: str) -> str:
    """The code issued for a patient and still valid (with a TTL)."""
    return f"code:{patient_id}"


def key_last_code(patient_id: str) -> str:
    """The last code sent to a patient (kept for ``status``)."""
    return f"last_code:{patient_id}"


def key_link(patient_id: str) -> str:
    """A linked patient: since when and under which ONDOC id."""
    return f"link:{patient_id}"


def key_booking(booking_id: str) -> str:
    """A portal booking written back: the hub's appointment id, acknowledged or not."""
    return f"booking:{booking_id}"


def key_sent(appointment_id: str) -> str:
    """An appointment sent to the portal (so that a cancellation of it is sent too)."""
    return f"sent:{appointment_id}"
