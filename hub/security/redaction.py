"""Redaction of known secret values from any text the hub writes.

Every secret the hub decrypts is registered here; log records, journal raw answers
and error texts pass through :meth:`Redactor.redact`, so a plugin that echoes a
request URL with ``api_id=...`` in an exception still leaks nothing.
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


def redact_logs(redactor: Redactor) -> None:
    """Redact ``redactor``'s secrets from every log record made in this process.

    Done when the record is created (a log-record factory), so it holds for every
    handler, including ones added later (pytest's ``caplog``).  Records carrying an
    exception get its traceback formatted and redacted at once.
    """
    global _installed
    _active.add(redactor)
    with _install_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if not _active:
                return record
            message = record.getMessage()
            exc_text = None
            if record.exc_info and record.exc_info[1] is not None:
                exc_text = logging.Formatter().formatException(record.exc_info)
            for active in list(_active):
                message = active.redact(message)
                exc_text = active.redact(exc_text) if exc_text else exc_text
            record.msg, record.args = message, None
            if exc_text is not None:
                record.exc_info, record.exc_text = None, exc_text
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def stop_redacting(redactor: Redactor) -> None:
    _active.discard(redactor)
