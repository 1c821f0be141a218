"""The scanner as the plugin sees it: an interface, what it answers, how it fails.

    Scanner          the Protocol every wire protocol implements (status, scan)
    ScannerStatus    ready / busy / error, with the model and version
    Recognised       one document read: its kind and each field with its confidence
    Reading          one field: the text as printed and the scanner's confidence
    ScannerError     why a call gave nothing (``Failure``), in words a desk understands

Nothing here knows the wire: :mod:`hub_promobot.client` speaks the assumed protocol
and turns it into these values.  A clinic holding Promobot's real documentation
writes another class with the same two methods and changes nothing else.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol

from hub_promobot.const import DocumentKind


class State(enum.StrEnum):
    READY = "ready"
    BUSY = "busy"
    ERROR = "error"


@dataclass(frozen=True)
class ScannerStatus:
    state: State
    model: str = ""
    version: str = ""


@dataclass(frozen=True)
class Reading:
    """One recognised field: the text as printed (``None``: not found on the document)
    and the scanner's confidence (0-1; ``None`` when it gave none)."""

    text: str | None
    confidence: float | None


@dataclass(frozen=True)
class Recognised:
    """A document as the scanner read it, fields named in the card vocabulary
    (:data:`hub_promobot.const.DOCUMENT_FIELDS`)."""

    kind: DocumentKind
    fields: dict[str, Reading] = field(default_factory=dict)


class Failure(enum.StrEnum):
    """Why a scanner call gave no document."""

    BUSY = "busy"  # another scan is in progress: try again
    NO_DOCUMENT = "no_document"  # nothing on the glass
    UNREADABLE = "unreadable"  # a document, but it cannot be read
    TIMEOUT = "timeout"  # the scanner waited for a document in vain
    NO_ANSWER = "no_answer"  # the scanner did not answer within the wait
    UNREACHABLE = "unreachable"  # no connection to the scanner's address
    MALFORMED = "malformed"  # an answer the protocol does not allow
    REFUSED = "refused"  # an answer the plugin will not follow (a redirect elsewhere)
    FAULT = "fault"  # the scanner reports an error of its own


class ScannerError(Exception):
    """A scanner call failed; ``message`` is a sentence for the desk or the admin.

    Messages never carry what the scanner read (it is personal data): only the
    failure and what to do.
    """

    def __init__(self, failure: Failure, message: str) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message


class Scanner(Protocol):
    """A document scanner at the clinic's front desk."""

    async def status(self) -> ScannerStatus:
        """The scanner's state now (raises :class:`ScannerError`)."""
        ...

    async def scan(self, kind: DocumentKind | None, *, wait: float) -> Recognised:
        """Scan one document (``None``: any kind the scanner recognises), giving up
        after ``wait`` seconds (raises :class:`ScannerError`)."""
        ...
