"""A fast local fake of sms.ru's ``POST /sms/send?json=1`` for the delivery benchmark.

Run it under uvicorn with uvloop and httptools (``uvicorn bench.fake_sms_gateway:app
--loop uvloop --http httptools``): plain uvicorn (h11, asyncio) caps every client at a
few hundred requests per second on this kind of machine.  It takes both forms of
``sms/send``: ``to=<number>[,<number>...]`` with one ``msg``, and the multi form
``to[<number>]=<text>`` (up to 100 numbers, each with its own text).  It answers with
sms.ru's JSON envelope (``status``, ``status_code``, ``sms{<number>: {...}}`` with a
status per number, ``balance``): more than 100 numbers is the top-level error 207, an
empty text is 203 for that number.  It counts requests and numbers; ``GET /_count``
returns ``{"n": requests, "numbers": numbers}``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

COUNT = {"n": 0, "numbers": 0}
MAX_NUMBERS = 100
_NO_TEXT = {"status": "ERROR", "status_code": 203, "status_text": "Нет текста сообщения"}


def _texts(form: list[tuple[str, str]]) -> dict[str, str]:
    """Number -> text, from either form of ``sms/send``."""
    multi = {k[3:-1]: v for k, v in form if k.startswith("to[") and k.endswith("]")}
    if multi:
        return multi
    fields = dict(form)
    text = fields.get("msg", fields.get("text", ""))
    return {n: text for n in fields.get("to", "").split(",") if n}


def answer(body: bytes) -> dict[str, Any]:
    """sms.ru's answer to one ``sms/send`` form."""
    COUNT["n"] += 1
    texts = _texts(parse_qsl(body.decode(), keep_blank_values=True))
    if not texts:
        return {"status": "ERROR", "status_code": 202, "status_text": "Нет номера получателя"}
    if len(texts) > MAX_NUMBERS:
        return {
            "status": "ERROR",
            "status_code": 207,
            "status_text": "указано более 100 номеров в списке получателей",
        }
    sms: dict[str, Any] = {}
    for to, text in texts.items():
        if not text:
            sms[to] = _NO_TEXT
            continue
        COUNT["numbers"] += 1
        n = COUNT["numbers"]
        sms[to] = {"status": "OK", "status_code": 100, "sms_id": f"{n % 1000000:06d}-{n:07d}"}
    return {"status": "OK", "status_code": 100, "balance": 4122.56, "sms": sms}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    if scope["path"] == "/_count":
        body = json.dumps(COUNT).encode()
    else:
        body = json.dumps(answer(b"".join(chunks)), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
