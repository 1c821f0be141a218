"""What a one-off send resolves to, and why it can be refused.

    OneOffDraft   the recipient's address and the text, ready to queue
    SendRefused   the send cannot be done; carries the HTTP status to answer with
    NoAddress     the patient's card has no address the channel can use (422)

Shared by :mod:`hub.messages.send` (decide and queue) and :mod:`hub.messages.targets`
(resolve a patient or an appointment).
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.messages.links import NewLink

__all__ = ["NoAddress", "OneOffDraft", "SendRefused"]


class SendRefused(Exception):
    """The send cannot be done; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class NoAddress(SendRefused):
    """The patient's card has no address the channel can use (answered 422, and
    published as ``card.warning``)."""

    def __init__(self, patient_id: str, reason: str, detail: str) -> None:
        super().__init__(
            422, f"the card of patient {patient_id!r} has no usable address: {detail} ({reason})"
        )
        self.patient_id = patient_id
        self.reason = reason
        self.warning = detail


@dataclass(frozen=True)
class OneOffDraft:
    """What a one-off send will queue: the resolved address and text."""

    address: str
    text: str
    kind: str
    recipient_name: str | None
    patient_id: str | None
    appointment_id: str | None
    link: NewLink | None = None
    #: E-mail: the template's subject and HTML body, rendered (the request's own win).
    subject: str | None = None
    html: str | None = None
