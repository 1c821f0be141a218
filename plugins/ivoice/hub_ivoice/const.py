"""Ivoice constants: the payload's keys, what each HTTP answer means, the robot's answer.

Only Mgerm's side of the integration is documented (``/work/shared/design/protocols-2.md``
§5.3, seed 000 [DOC]): the MIS sends ``id`` (the patient's id), ``patient``, ``referrals``
and ``firstReferral`` (hospital, doctor with specialty, date, timeStart), and the robot's
scenario asks «Вы придете на прием?» and answers ``patientConfirmation`` true/false.
Ivoice's transport is not confirmed (``protocols.md`` §7.4 [?]): a JSON ``POST`` to the
address Ivoice gives the clinic, ``Authorization: Bearer <token>``, errors as HTTP
statuses.  Classified once here:

    HTTP answer                          kind
      400, 422 the payload refused       permanent (this call as sent)
      401, 403 token refused             permanent, provider side (the next provider tries)
      402 no money                       permanent, provider side
      404 wrong address                  permanent, provider side (the api_url setting)
      429 too many requests              transient (the hub backs off)
      5xx, network, time-out             transient
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

#: The top-level keys of Mgerm's payload, exactly.
PAYLOAD_KEYS: Final = ("id", "patient", "referrals", "firstReferral")
#: Ivoice's rate limits are not documented [?]: one call a second per account by default.
DEFAULT_RATE_PER_SECOND: Final = 1.0
#: The robot's answer mapped to the hub's patient answer.
ANSWERS: Final = MappingProxyType({True: "confirmed", False: "cancelled"})
#: The appointment's communication status after the robot's answer.
ANSWER_TEXT: Final = MappingProxyType({True: "Запись подтверждена", False: "Запись отменена"})
CANCEL_REASON: Final = "голосовой робот Ivoice"


class Kind(enum.StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Code:
    kind: Kind
    text: str
    provider_side: bool = False


HTTP_ERRORS: Final = MappingProxyType(
    {
        400: Code(Kind.PERMANENT, "Неверный запрос"),
        401: Code(Kind.PERMANENT, "Токен не принят", provider_side=True),
        402: Code(Kind.PERMANENT, "Недостаточно средств", provider_side=True),
        403: Code(Kind.PERMANENT, "Доступ запрещён", provider_side=True),
        404: Code(Kind.PERMANENT, "Адрес не найден", provider_side=True),
        422: Code(Kind.PERMANENT, "Ошибка в данных звонка"),
        429: Code(Kind.TRANSIENT, "Слишком много запросов"),
    }
)


def http_error(status: int) -> Code:
    """What an HTTP error status means: 5xx transient, an undocumented 4xx permanent."""
    if status >= 500:
        return Code(Kind.TRANSIENT, f"Ошибка сервера Ivoice (HTTP {status})")
    return HTTP_ERRORS.get(status) or Code(Kind.PERMANENT, f"HTTP {status}")
