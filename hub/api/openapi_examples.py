"""Request and response examples of the clinic-system endpoints, for ``/docs``.

``EXAMPLES`` maps (path, method) to named request-body examples and, per status code,
a response example.  :mod:`hub.api.openapi` puts them into the document; the tests send
every request example to a hub and check every response example against its model, so
an example that stops working fails the suite.
"""

from __future__ import annotations

from typing import Any

_AT = "2026-11-23T07:00:00Z"

_CARD = {
    "id": "P-1024",
    "last_name": "Петрова",
    "first_name": "Анна",
    "middle_name": "Сергеевна",
    "birth_date": "1980-05-17",
    "sex": "female",
    "phones": ["+7 916 123-45-67"],
    "email": "anna@example.ru",
    "opt_out": False,
    "inpatient": False,
    "deleted": False,
}

_APPOINTMENT = {
    "id": "A-5531",
    "patient_id": "P-1024",
    "doctor_id": "D-7",
    "specialty_id": "S-1",
    "services": [{"id": "SV-12", "name": "Приём терапевта", "price_list_section": "PL-1"}],
    "start": "2026-11-25T07:30:00Z",
    "end": "2026-11-25T08:00:00Z",
    "cabinet": "204",
    "status": "booked",
    "comment": "",
    "cancelled": False,
    "cancel_reason": None,
    "communication_status": None,
    "patient_answer": None,
}

_MESSAGE = {
    "id": 311,
    "clinic": "demo",
    "clinic_name": "Клиника «Демо»",
    "kind": "custom",
    "kind_title": "Сообщение",
    "recipient": "Петрова Анна Сергеевна",
    "phone": "+79161234567",
    "address": "+79161234567",
    "appointment_id": None,
    "appointment_at": None,
    "channel": "sms",
    "provider": "console",
    "status": "queued",
    "status_title": "Ожидает отправки",
    "created_at": _AT,
    "sent_at": None,
    "cost": None,
    "error_code": None,
    "error": None,
}

_PATIENTS = "/api/v1/clinics/{clinic}/patients/{patient_id}"
_APPOINTMENTS = "/api/v1/clinics/{clinic}/appointments/{appointment_id}"
_REFERENCE = "/api/v1/clinics/{clinic}/reference/{kind}"

#: (path, method) → {"request": {name: body}, "responses": {status: body}}
EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    (_PATIENTS, "put"): {
        "request": {
            "card": {
                "summary": "A card with a mobile phone and an e-mail",
                "value": {
                    "last_name": "Петрова",
                    "first_name": "Анна",
                    "middle_name": "Сергеевна",
                    "birth_date": "1980-05-17",
                    "sex": "female",
                    "phones": ["+7 916 123-45-67", ""],
                    "email": "anna@example.ru",
                },
            },
        },
        "responses": {
            "201": {
                "id": "P-1024",
                "result": "created",
                "changes": [],
                "warnings": [],
                "card": _CARD,
            },
            "200": {
                "id": "P-1024",
                "result": "updated",
                "changes": ["phones"],
                "warnings": [
                    {
                        "field": "phones[1]",
                        "reason": "not_mobile",
                        "detail": "+74951234567 is not a mobile number",
                    }
                ],
                "card": {**_CARD, "phones": ["+7 916 123-45-67", "+7 495 123-45-67"]},
            },
        },
    },
    (_APPOINTMENTS, "put"): {
        "request": {
            "visit": {
                "summary": "A visit to a doctor with one service (local time of the clinic)",
                "value": {
                    "patient_id": "P-1024",
                    "doctor_id": "D-7",
                    "services": [{"id": "SV-12"}],
                    "start": "2026-11-25T10:30:00",
                    "end": "2026-11-25T11:00:00",
                    "cabinet": "204",
                },
            },
            "cancelled": {
                "summary": "The same visit, cancelled by the clinic",
                "value": {
                    "patient_id": "P-1024",
                    "doctor_id": "D-7",
                    "start": "2026-11-25T10:30:00+03:00",
                    "status": "cancelled",
                    "cancel_reason": "Врач на больничном",
                },
            },
        },
        "responses": {
            "201": {
                "id": "A-5531",
                "result": "created",
                "changes": [],
                "adopted": None,
                "appointment": _APPOINTMENT,
            },
        },
    },
    (_REFERENCE, "put"): {
        "request": {
            "doctors": {
                "summary": "kind = doctors",
                "value": [
                    {
                        "id": "D-7",
                        "last_name": "Иванов",
                        "first_name": "Пётр",
                        "middle_name": "Ильич",
                        "sex": "male",
                        "specialty_id": "S-1",
                    }
                ],
            },
            "specialties": {
                "summary": "kind = specialties",
                "value": [{"id": "S-1", "name": "Терапевт", "dative": "врачу-терапевту"}],
            },
            "services": {
                "summary": "kind = services",
                "value": [{"id": "SV-12", "name": "Приём терапевта", "price_list_section": "PL-1"}],
            },
            "price_list_sections": {
                "summary": "kind = price_list_sections",
                "value": [{"id": "PL-1", "name": "Платные услуги"}],
            },
        },
        "responses": {
            "200": {
                "kind": "specialties",
                "created": 1,
                "updated": 0,
                "unchanged": 0,
                "removed": 0,
                "items": [{"id": "S-1", "name": "Терапевт", "dative": "врачу-терапевту"}],
            },
        },
    },
    ("/api/v1/clinics/{clinic}/feed", "get"): {
        "responses": {
            "200": {
                "events": [
                    {
                        "cursor": "1234.45",
                        "type": "appointment.confirmed",
                        "at": _AT,
                        "source": "answer_page",
                        "data": {"appointment_id": "A-5531", "patient_id": "P-1024"},
                    }
                ],
                "next": "1234.45",
            },
        },
    },
    ("/api/v1/clinics/{clinic}/messages", "post"): {
        "request": {
            "text": {
                "summary": "A text to a phone",
                "value": {"phone": "8 916 123-45-67", "text": "Ваши анализы готовы."},
            },
            "patient": {
                "summary": "A text to a patient's card (its mobile phone)",
                "value": {"patient_id": "P-1024", "text": "Ваши анализы готовы."},
            },
            "email": {
                "summary": "An e-mail to a patient's card: a subject and an HTML part",
                "value": {
                    "patient_id": "P-1024",
                    "channel": "email",
                    "subject": "Результаты анализов готовы",
                    "text": "Ваши анализы готовы. Заберите их в регистратуре.",
                    "html": "<p>Ваши анализы <b>готовы</b>. Заберите их в регистратуре.</p>",
                },
            },
        },
        "responses": {
            "201": {
                "message": {
                    **_MESSAGE,
                    "text": "Ваши анализы готовы.",
                    "subject": None,
                    "html": None,
                    "patient_id": "P-1024",
                    "mailing_id": None,
                    "essential": False,
                    "provider_message_id": None,
                    "attempts": 0,
                    "next_attempt_at": _AT,
                    "delivered_at": None,
                    "history": [{"at": _AT, "event": "queued", "status": "queued"}],
                    "raw": None,
                },
                "balance": {
                    "provider": "console",
                    "amount": None,
                    "currency": "RUB",
                    "error": None,
                },
            },
        },
    },
    ("/api/v1/clinics/{clinic}/templates", "post"): {
        "request": {
            "sms": {
                "summary": "An SMS reminder, the clinic's default",
                "value": {
                    "name": "Напоминание",
                    "kind": "reminder",
                    "channel": "sms",
                    "is_default": True,
                    "body": "{patient_name_patronymic}, ждём вас {date} в {time}. "
                    "Подтвердите: {confirm_link}",
                },
            },
            "email": {
                "summary": "An e-mail reminder: subject and HTML body, with placeholders",
                "value": {
                    "name": "Напоминание по почте",
                    "kind": "reminder",
                    "channel": "email",
                    "is_default": True,
                    "subject": "Приём {date} в {time}",
                    "body": "{patient_name_patronymic}, ждём вас {date} в {time}, "
                    "{clinic_address}. Подтвердите или отмените: {confirm_link}",
                    "html": "<p>{patient_name_patronymic}, ждём вас <b>{date}</b> в {time}.</p>"
                    '<p><a href="{confirm_link}">Подтвердить или отменить</a></p>',
                },
            },
        },
    },
    ("/api/v1/messages", "get"): {
        "responses": {
            "200": {
                "items": [{**_MESSAGE, "status": "delivered", "status_title": "Доставлено"}],
                "total": 1,
                "total_cost": "0.00",
                "page": 1,
                "per_page": 50,
                "sent_from": None,
                "sent_to": None,
                "balance": None,
            },
        },
    },
}


def install(document: dict[str, Any]) -> None:
    """Put :data:`EXAMPLES` into the built ``document`` (operations it lacks are skipped)."""
    for (path, method), examples in EXAMPLES.items():
        operation = document.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            continue
        if "request" in examples and "requestBody" in operation:
            media = operation["requestBody"]["content"]["application/json"]
            media["examples"] = examples["request"]
        for status, body in examples.get("responses", {}).items():
            answer = operation.get("responses", {}).get(status)
            if answer is not None and "content" in answer:
                answer["content"]["application/json"]["example"] = body
