"""Secrets the hub knows never reach a log line, whatever the handler or formatter."""

from __future__ import annotations

import logging

import pytest

from hub.security.redaction import Redactor, redact_logs, stop_redacting

SECRET = "64589EDB-8F29-C45C-1FB1-2EB497EFB170"


@pytest.fixture
def redactor() -> Redactor:
    redactor = Redactor()
    redactor.add(SECRET)
    redact_logs(redactor)
    yield redactor
    stop_redacting(redactor)


def test_message_arguments_and_traceback_are_redacted(
    redactor: Redactor, caplog: pytest.LogCaptureFixture
) -> None:
    log = logging.getLogger("hub.test")
    log.warning("calling https://sms.ru/sms/send?api_id=%s&to=%s", SECRET, "79181234567")
    try:
        raise ValueError(f"bad answer for api_id={SECRET}")
    except ValueError:
        log.exception("provider failed")
    text = caplog.text
    assert SECRET not in text
    assert "api_id=***&to=79181234567" in text
    assert "ValueError: bad answer for api_id=***" in text


def test_argument_shape_is_kept_for_formatters_that_unpack_it(redactor: Redactor) -> None:
    """uvicorn's access formatter unpacks ``record.args`` into five values."""
    record = logging.getLogRecordFactory()(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", f"/plugins/smsru/callback/clinic-1/{SECRET}", "1.1", 200),
        None,
    )
    client, method, path, version, status = record.args  # type: ignore[misc]
    assert path == "/plugins/smsru/callback/clinic-1/***"
    assert status == 200
    assert SECRET not in record.getMessage()


def test_records_without_secrets_are_untouched(redactor: Redactor) -> None:
    record = logging.getLogRecordFactory()("x", logging.INFO, __file__, 1, "%s %d", ("a", 1), None)
    assert record.args == ("a", 1)
