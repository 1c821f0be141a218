"""An action's file answer (:class:`hub.FileAnswer`) as an HTTP response.

The bytes go out as they are (text as UTF-8), with the action's media type and a
``Content-Disposition: attachment`` naming the file (RFC 6266: an ASCII fallback
and the UTF-8 name, so «результаты.pdf» survives).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Response

from hub.types import FileAnswer


def disposition(filename: str) -> str:
    """``attachment; filename="..."; filename*=UTF-8''...`` for ``filename``."""
    name = "".join("_" if ch in "/\\" or ord(ch) < 32 else ch for ch in filename)
    fallback = name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def response(answer: FileAnswer) -> Response:
    """The HTTP response carrying ``answer``."""
    content = answer.content.encode() if isinstance(answer.content, str) else answer.content
    media_type = answer.media_type
    if isinstance(answer.content, str) and "charset" not in media_type:
        media_type = f"{media_type}; charset=utf-8"
    return Response(
        content=content,
        media_type=media_type,
        headers={"Content-Disposition": disposition(answer.filename)},
    )
