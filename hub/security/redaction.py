"""Redaction of known secret values from any text the hub writes.

Every secret the hub decrypts is registered here; log records, journal raw answers
and error texts pass through :meth:`Redactor.redact`, so a plugin that echoes a
request URL with ``api_id=...`` in an exception still leaks nothing.  Answer-page
tokens (``/r/<token>``) are masked in every log record too (the access log prints
the path), see :func:`mask_answer_links`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import weakref
from typing import Any

REDACTED = "***"
_MIN_SECRET_LEN = 4
#: An answer-page link's token (``/r/<token>``): a bearer credential for one appointment.
_ANSWER_LINK = re.compile(r"(?<=/r/)[A-Za-z0-9_-]{16,100}")
#: How many of a token's last characters stay visible when it is masked.
LINK_TAIL = 4


def mask_answer_links(text: str) -> str:
    """``text`` with every answer-page token cut to its last characters (``/r/…x7Qa``).

    The masked link cannot be used (the hub keeps only the token's hash), yet staff can
    still tell which link a message carried.  Applied to every log record, to a message's
    stored text once it is handed to its provider, and to the journal's answers.
    """
    if not text or "/r/" not in text:
        return text
    return _ANSWER_LINK.sub(lambda m: "…" + m.group(0)[-LINK_TAIL:], text)


class Redactor:
    """Replaces every registered secret value by ``***``."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, *values: str) -> None:
        with self._lock:
            new = {v for v in values if v and len(v) >= _MIN_SECRET_LEN} - self._secrets
            if not new:
                return
            self._secrets |= new
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def redact(self, text: str) -> str:
        pattern = self._pattern
        return pattern.sub(REDACTED, text) if pattern is not None and text else text

    def redact_json(self, value: Any) -> Any:
        """A JSON-compatible value with every secret replaced, structure kept."""
        if value is None or self._pattern is None:
            return value
        text = json.dumps(value, ensure_ascii=False, default=str)
        return json.loads(self.redact(text))


_active: weakref.WeakSet[Redactor] = weakref.WeakSet()
_installed = False
_install_lock = threading.Lock()


def _redact_all(text: str) -> str:
    for active in list(_active):
        text = active.redact(text)
    return mask_answer_links(text)


def _redact_value(value: Any) -> Any:
    """The value itself if it shows no secret, else its redacted text."""
    text = value if isinstance(value, str) else str(value)
    redacted = _redact_all(text)
    return value if redacted == text else redacted


def _redact_record(record: logging.LogRecord) -> None:
    # Redact the message and each argument in place, keeping their shape: some
    # formatters (uvicorn's access log) unpack ``record.args``.
    if isinstance(record.msg, str):
        record.msg = _redact_all(record.msg)
    elif record.msg is not None:
        record.msg = _redact_value(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_redact_value(a) for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: _redact_value(v) for k, v in record.args.items()}
    if record.exc_info and record.exc_info[1] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        redacted = _redact_all(text)
        if redacted != text:
            record.exc_info, record.exc_text = None, redacted


def redact_logs(redactor: Redactor) -> None:
    """Redact ``redactor``'s secrets from every log record made in this process.

    Done when the record is created (a log-record factory), so it holds for every
    handler, including ones added later (pytest's ``caplog``).  A record carrying an
    exception whose traceback shows a secret gets it formatted and redacted at once.
    """
    global _installed
    _active.add(redactor)
    with _install_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if _active:
                _redact_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def stop_redacting(redactor: Redactor) -> None:
    _active.discard(redactor)
