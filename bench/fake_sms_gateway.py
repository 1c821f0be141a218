"""A fast local fake of sms.ru's ``POST /sms/send?json=1`` for the delivery benchmark.

Run it under uvicorn with uvloop and httptools (``uvicorn bench.fake_sms_gateway:app
--loop uvloop --http httptools``): plain uvicorn (h11, asyncio) caps every client at a
few hundred requests per second on this kind of machine.  It answers each form with
sms.ru's JSON envelope (``status``, ``status_code``, ``sms{<number>: {...}}``,
``balance``) and counts requests; ``GET /_count`` returns the count.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

COUNT = {"n": 0}


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
        COUNT["n"] += 1
        form = parse_qs(b"".join(chunks).decode())
        to = form.get("to", ["0"])[0]
        if not form.get("msg", [""])[0]:
            answer = {"status": "ERROR", "status_code": 203, "status_text": "Нет текста сообщения"}
        else:
            answer = {
                "status": "OK",
                "status_code": 100,
                "balance": 4122.56,
                "sms": {
                    to: {
                        "status": "OK",
                        "status_code": 100,
                        "sms_id": f"{COUNT['n']:06d}-{COUNT['n']:07d}",
                    }
                },
            }
        body = json.dumps(answer).encode()
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
