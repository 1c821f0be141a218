"""Mango Office constants: base URL, commands, rate limits and what the codes mean.

Sources: ``/work/shared/design/protocols.md`` §4 (the VPBX API PDF v1.10 and the newer
edition) and ``protocols-2.md`` §1 (the outbound-campaign API and the КСАМУ seed).

Every command is ``POST <api_url><command>`` with the form ``vpbx_api_key``, ``json``,
``sign = sha256_hex(vpbx_api_key + json + vpbx_api_salt)``.  A command succeeds with
HTTP 200 and ``{"result": 1000, ...}``; a failure carries another ``result`` code:

    Kind.TRANSIENT   5xxx (server, overload, 5008 = contact-centre rate limit), HTTP 429/5xx
    Kind.PERMANENT   the rest
      ACCOUNT        2xxx billing/account, 3102 sign, 3105 key, 4500-4504 security: the
                     account or the settings are at fault
      REQUEST        3xxx bad request or parameters, 3300 not found, 4xxx impossible
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

DEFAULT_API_URL: Final = "https://app.mango-office.ru/vpbx/"

OK: Final = 1000

# --- commands (paths below the API URL) -------------------------------------------------
CMD_CUSTOM_TYPES: Final = "custom-type/list"
CMD_CAMPAIGN: Final = "campaign"
CMD_CAMPAIGN_LIST: Final = "campaign/list"
CMD_TASKS_PUSH: Final = "tasks/push"
CMD_TASKS_FINISHED: Final = "tasks/finished"
CMD_CALLBACK: Final = "commands/callback"

#: Commands of the contact-centre (campaign) family: 10 requests/s in total.
CAMPAIGN_COMMANDS: Final = frozenset(
    {CMD_CUSTOM_TYPES, CMD_CAMPAIGN, CMD_CAMPAIGN_LIST, CMD_TASKS_PUSH, CMD_TASKS_FINISHED}
)

#: Least interval between two requests of one account, per command (seconds):
#: the published limits (VPBX 10/s per product, callback 4/s; campaign API 10/s).
MIN_INTERVAL: Final = MappingProxyType(
    {
        CMD_CALLBACK: 0.25,
        CMD_TASKS_PUSH: 0.2,
    }
)
DEFAULT_INTERVAL: Final = 0.1

#: Tasks per ``tasks/push`` request (the hub's batches are at most 100).
MAX_TASKS_PER_PUSH: Final = 100
#: ``comment`` («Доп. информация») and ``number`` limits of a task.
MAX_COMMENT: Final = 1024
MAX_NUMBER: Final = 64
#: ``tasks/finished`` takes a window of at most four hours.
FINISHED_WINDOW_HOURS: Final = 4

# --- the robot's answer (the КСАМУ seed) --------------------------------------------------
STATUS_CONFIRMED: Final = 1
STATUS_CANCELLED: Final = 2
#: What the appointment shows after the robot's answer (the seed's «Доп. информация»).
ANSWER_TEXT: Final = MappingProxyType(
    {STATUS_CONFIRMED: "Запись подтверждена", STATUS_CANCELLED: "Запись отменена"}
)

# --- default custom fields of the campaign ------------------------------------------------
FIELD_TIME: Final = "Время"
FIELD_DATE: Final = "Дата"
FIELD_SERVICE: Final = "Услуга"
FIELD_DOCTOR: Final = "Специалист"
FIELD_PATIENT: Final = "Пациент_ФИО"


class Kind(enum.StrEnum):
    """What a failed request means for the caller."""

    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Code:
    """One Mango result code: its kind, whether the account/settings are at fault, text."""

    kind: Kind
    text: str
    account: bool = False


def _t(text: str) -> Code:
    return Code(Kind.TRANSIENT, text)


def _a(text: str) -> Code:
    return Code(Kind.PERMANENT, text, account=True)


def _p(text: str) -> Code:
    return Code(Kind.PERMANENT, text)


#: Result codes of commands (protocols.md §4.7).
CODES: Final = MappingProxyType(
    {
        1000: Code(Kind.PERMANENT, "Действие успешно выполнено"),
        2000: _a("Ограничение биллинговой системы"),
        2100: _a("Доступ к счёту невозможен"),
        2110: _a("Счёт заблокирован"),
        2120: _a("Счёт закрыт"),
        2130: _a("Счёт заморожен"),
        2140: _a("Счёт недействителен"),
        2200: _a("Доступ к счёту ограничен"),
        2210: _a("Ограничение на период"),
        2211: _a("Ограничение на день"),
        2212: _a("Ограничение на месяц"),
        2220: _t("Превышено количество одновременных вызовов"),
        2230: _t("Услуга временно недоступна"),
        2240: _a("Недостаточно средств на счёте"),
        2250: _a("Превышен лимит использования"),
        2300: _a("Направление заблокировано"),
        2400: _t("Ошибка биллинговой системы"),
        3000: _p("Неверный запрос"),
        3100: _p("Переданы неверные параметры команды"),
        3101: _p("Запрос выполнен не методом POST"),
        3102: _a("Подпись запроса (sign) не совпадает: проверьте ключ для создания подписи"),
        3103: _p("Не передан обязательный параметр"),
        3104: _p("Параметр передан в неправильном формате"),
        3105: _a("Неверный уникальный код ВАТС (vpbx_api_key)"),
        3200: _p("Неверно указан номер абонента"),
        3300: _p("Объект не существует"),
        3310: _p("Вызов не найден"),
        3320: _p("Запись разговора не найдена"),
        3330: _p("Номер не найден у ВАТС или сотрудника"),
        4000: _p("Действие не может быть выполнено"),
        4001: _p("Команда не поддерживается"),
        4100: _p("Действие невозможно по логике ВАТС"),
        4101: _p("Вызов завершён или не существует"),
        4200: _p("Невозможно дозвониться до абонента"),
        4500: _a("Ограничение безопасности"),
        4501: _a("Ограничение безопасности"),
        4502: _a("Ограничение безопасности"),
        4503: _a("Ограничение безопасности"),
        4504: _a("Ограничение безопасности"),
        5000: _t("Ошибка сервера"),
        5001: _t("Перегрузка сервера"),
        5002: _t("Перезапуск сервера"),
        5003: _t("Технические проблемы"),
        5004: _t("Ошибка базы данных"),
        5008: _t("Превышен лимит запросов контакт-центра"),
    }
)


def classify(code: int) -> Code:
    """The meaning of a result ``code``: known codes from the table, then by class
    (2219 is read as 2210: the class fallback the documentation prescribes)."""
    known = CODES.get(code)
    if known is not None:
        return known
    for fallback in (code // 10 * 10, code // 100 * 100, code // 1000 * 1000):
        known = CODES.get(fallback)
        if known is not None:
            return known
    return _t(f"Неизвестный код Mango {code}") if code >= 5000 else _p(f"Неизвестный код {code}")


# --- campaigns -------------------------------------------------------------------------------


class CampaignStatus(enum.IntEnum):
    """A campaign's ``status``."""

    STOPPED = 0
    SCHEDULED = 1
    RUNNING = 2
    STOPPING = 3
    FINISHED = 4
    PROCESSING = 5
    DELETING = 6


class TaskStatus(enum.IntEnum):
    """A campaign task's ``status``."""

    STOPPED = 0
    QUEUED = 1
    IN_PROGRESS = 2
    DONE = 4
    DELETED = 6


#: A finished task's ``status_reason``: (journal outcome, code, text).  ``delivered``:
#: the robot talked to the patient; ``failed``: the patient was not reached.
TASK_REASONS: Final = MappingProxyType(
    {
        1: ("delivered", "talked", "Разговор состоялся"),
        2: ("failed", "busy", "Абонент занят"),
        3: ("failed", "no_answer", "Абонент не ответил"),
        4: ("failed", "unreachable", "Абонент недоступен"),
        5: ("failed", "operator_busy", "Оператор занят"),
        6: ("failed", "operator_no_answer", "Оператор не ответил"),
        7: ("failed", "operator_unreachable", "Оператор недоступен"),
        8: ("failed", "no_such_number", "Номер не существует"),
        10: ("failed", "operator_did_not_wait", "Оператор не дождался"),
        11: ("failed", "stopped", "Остановлено администратором"),
        20: ("failed", "stopped", "Остановлено оператором"),
    }
)

# --- calls ------------------------------------------------------------------------------------


class Direction(enum.IntEnum):
    """``call_direction`` of ``/events/summary``."""

    INTERNAL = 0
    INCOMING = 1
    OUTGOING = 2


DIRECTION_NAMES: Final = MappingProxyType(
    {Direction.INTERNAL: "internal", Direction.INCOMING: "incoming", Direction.OUTGOING: "outgoing"}
)

#: Webhook paths Mango posts to below a clinic's base URL.
WEBHOOK_CALL: Final = "events/call"
WEBHOOK_SUMMARY: Final = "events/summary"
WEBHOOK_CALLBACK_RESULT: Final = "result/callback"
WEBHOOK_PING: Final = "ping"
