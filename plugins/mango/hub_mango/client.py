"""MangoClient: the Mango Office VPBX / campaign API over ``httpx``; knows nothing of the hub.

Every command is ``POST <api_url><command>`` with the form

    vpbx_api_key   the account's unique code
    json           the command's parameters, compact JSON
    sign           sha256_hex(vpbx_api_key + json + vpbx_api_salt)

and Mango signs its webhooks the same way (:func:`sign`, :func:`verify`).  A command
succeeds with HTTP 200 and ``{"result": 1000, ...}`` (``custom-type/list`` answers its
list in ``result`` with ``"status": 200``).  Anything else raises :class:`MangoError`:

    MangoError
      .kind == TRANSIENT    network error, time-out, HTTP 429 (rate limit) or 5xx,
                            not JSON, result 5xxx (5008: contact-centre rate limit)
      .kind == PERMANENT    any other result code; .account when the key, the salt or
                            the account is at fault (3102, 3105, 2xxx, HTTP 401/403)

Requests of one account are paced to Mango's published limits (:class:`Pacer`):
the hub never causes the 429 it would then have to retry.  The key and the salt are
never put in an error text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from hub_mango.const import (
    CMD_CALLBACK,
    CMD_CAMPAIGN_LIST,
    CMD_CUSTOM_TYPES,
    CMD_TASKS_FINISHED,
    CMD_TASKS_PUSH,
    DEFAULT_API_URL,
    DEFAULT_INTERVAL,
    MAX_TASKS_PER_PUSH,
    MIN_INTERVAL,
    OK,
    CampaignStatus,
    Kind,
    classify,
)

__all__ = [
    "Campaign",
    "FinishedTask",
    "MangoClient",
    "MangoError",
    "Pacer",
    "Task",
    "digits",
    "dumps",
    "pacer_for",
    "sign",
    "verify",
]

_NON_DIGITS = re.compile(r"\D+")
_MANGO_TIME = "%Y-%m-%d %H:%M:%S"


def digits(phone: str) -> str:
    """A number as Mango takes it: digits only (``+7 (918) 123-45-67`` -> ``79181234567``)."""
    return _NON_DIGITS.sub("", phone)


def dumps(payload: Any) -> str:
    """The ``json`` form field: compact, UTF-8 kept as is."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def sign(api_key: str, json_text: str, api_salt: str) -> str:
    """Mango's signature of a request or webhook."""
    return hashlib.sha256((api_key + json_text + api_salt).encode()).hexdigest()


def verify(api_key: str, json_text: str, api_salt: str, given: str | None) -> bool:
    """Whether ``given`` is the signature of ``json_text`` (constant time)."""
    if not given:
        return False
    return hmac.compare_digest(given.strip().lower(), sign(api_key, json_text, api_salt))


class MangoError(Exception):
    """Mango did not carry out a command, or could not be reached."""

    def __init__(
        self,
        code: int | None,
        text: str,
        kind: Kind,
        *,
        account: bool = False,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"Mango {code}: {text}" if code is not None else f"Mango: {text}")
        self.code = code
        self.text = text
        self.kind = kind
        self.account = account
        self.http_status = http_status
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.kind is Kind.TRANSIENT


@dataclass(frozen=True)
class Task:
    """One task of an outbound campaign: whom the robot calls, with what."""

    number: str
    name: str = ""
    comment: str = ""
    custom_fields: Mapping[int, str] | Mapping[str, str] = field(default_factory=dict)
    priority: int | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"number": digits(self.number)}
        if self.name:
            out["name"] = self.name
        if self.comment:
            out["comment"] = self.comment
        if self.custom_fields:
            out["custom_fields"] = {str(k): v for k, v in self.custom_fields.items()}
        if self.priority is not None:
            out["priority"] = self.priority
        return out


@dataclass(frozen=True)
class Campaign:
    """A campaign as ``campaign/list`` describes it."""

    campaign_id: int
    name: str
    status: int
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        """A finished campaign accepts no tasks and cannot be restarted."""
        return self.status in (CampaignStatus.FINISHED, CampaignStatus.DELETING)


@dataclass(frozen=True)
class FinishedTask:
    """A task ``tasks/finished`` reports."""

    task_id: int | None
    number: str
    comment: str
    status: int
    status_reason: int | None
    talk_duration: int | None
    end: str | None


class Pacer:
    """Spaces the requests of one account so they stay within Mango's rate limits."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._last: dict[str, float] = {}
        self._any = 0.0

    async def wait(self, command: str) -> None:
        interval = MIN_INTERVAL.get(command, DEFAULT_INTERVAL)
        async with self._lock:
            now = time.monotonic()
            ready = max(self._last.get(command, 0.0) + interval, self._any + DEFAULT_INTERVAL)
            if ready > now:
                await asyncio.sleep(ready - now)
                now = time.monotonic()
            self._last[command] = self._any = now


_PACERS: dict[str, Pacer] = {}


def pacer_for(api_url: str, api_key: str) -> Pacer:
    """The process-wide pacer of one account (clinics sharing a key share its limits)."""
    key = hashlib.sha256(f"{api_url}\0{api_key}".encode()).hexdigest()
    return _PACERS.setdefault(key, Pacer())


class MangoClient:
    """The API of one Mango Office account."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_key: str,
        api_salt: str,
        api_url: str = DEFAULT_API_URL,
        *,
        timeout: float | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        if not api_key or not api_salt:
            raise ValueError("Mango needs the account's unique code and signing key")
        self._http = http
        self._key = api_key
        self._salt = api_salt
        self.api_url = api_url.rstrip("/") + "/"
        self._timeout = timeout
        self._pacer = pacer

    # --- campaigns ------------------------------------------------------------------------

    async def custom_fields(self) -> dict[str, int]:
        """The account's custom fields of outbound dialing: name -> id."""
        data = await self.call(CMD_CUSTOM_TYPES, {})
        out: dict[str, int] = {}
        for item in data.get("result") or ():
            if isinstance(item, dict) and item.get("name") is not None:
                try:
                    out[str(item["name"]).strip()] = int(item["id"])
                except (KeyError, TypeError, ValueError):
                    continue
        return out

    async def campaigns(self) -> list[Campaign]:
        """Every campaign of the account (``campaign/list``)."""
        data = await self.call(CMD_CAMPAIGN_LIST, {})
        out = []
        for item in data.get("campaigns") or ():
            try:
                out.append(
                    Campaign(
                        int(item["campaign_id"]),
                        str(item.get("name") or ""),
                        int(item.get("status") or 0),
                        item,
                    )
                )
            except (KeyError, TypeError, ValueError):
                continue
        return out

    async def campaign(self, campaign_id: int) -> Campaign | None:
        """One campaign, or ``None`` if the account has none with that id."""
        for campaign in await self.campaigns():
            if campaign.campaign_id == campaign_id:
                return campaign
        return None

    async def push_tasks(self, campaign_id: int, tasks: Sequence[Task]) -> dict[str, Any]:
        """Add up to 100 tasks to a campaign at once (``tasks/push``); Mango's answer."""
        if not tasks:
            raise ValueError("no task to push")
        if len(tasks) > MAX_TASKS_PER_PUSH:
            raise ValueError(f"at most {MAX_TASKS_PER_PUSH} tasks per push, got {len(tasks)}")
        payload = {"campaign_id": campaign_id, "tasks": [t.as_json() for t in tasks]}
        return await self.call(CMD_TASKS_PUSH, payload)

    async def finished_tasks(
        self, campaign_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[FinishedTask]:
        """Tasks of a campaign that finished in ``[start, end)`` (aware; at most 4 hours)."""
        payload = {
            "campaign_id": campaign_id,
            "start_date": start.astimezone(dt.UTC).strftime(_MANGO_TIME),
            "end_date": end.astimezone(dt.UTC).strftime(_MANGO_TIME),
        }
        data = await self.call(CMD_TASKS_FINISHED, payload)
        campaign = data.get("campaign") or {}
        out = []
        for item in campaign.get("tasks") or () if isinstance(campaign, dict) else ():
            if not isinstance(item, dict):
                continue
            out.append(
                FinishedTask(
                    task_id=_int(item.get("campaign_task_id")),
                    number=str(item.get("number") or ""),
                    comment=str(item.get("comment") or ""),
                    status=_int(item.get("status")) or 0,
                    status_reason=_int(item.get("status_reason")),
                    talk_duration=_int(item.get("talk_duration")),
                    end=None if item.get("end") is None else str(item["end"]),
                )
            )
        return out

    # --- telephony ------------------------------------------------------------------------

    async def callback(
        self,
        command_id: str,
        extension: str,
        to_number: str,
        *,
        line_number: str | None = None,
    ) -> dict[str, Any]:
        """Click to call: ring ``extension``, then dial ``to_number`` (``commands/callback``).
        The outcome comes later to ``/result/callback`` with this ``command_id``."""
        payload: dict[str, Any] = {
            "command_id": command_id,
            "from": {"extension": extension},
            "to_number": digits(to_number),
        }
        if line_number:
            payload["line_number"] = digits(line_number)
        return await self.call(CMD_CALLBACK, payload)

    # --- transport ------------------------------------------------------------------------

    def form(self, payload: Any) -> dict[str, str]:
        """The signed form of a command."""
        text = dumps(payload)
        return {"vpbx_api_key": self._key, "json": text, "sign": sign(self._key, text, self._salt)}

    def redact(self, text: str) -> str:
        return text.replace(self._key, "***").replace(self._salt, "***")

    async def call(self, command: str, payload: Any) -> dict[str, Any]:
        """POST a command; its answer, or :class:`MangoError`."""
        if self._pacer is not None:
            await self._pacer.wait(command)
        kwargs: dict[str, Any] = {} if self._timeout is None else {"timeout": self._timeout}
        try:
            response = await self._http.post(
                self.api_url + command, data=self.form(payload), **kwargs
            )
        except httpx.TimeoutException:
            raise MangoError(
                None, f"{command}: Mango did not answer in time", Kind.TRANSIENT
            ) from None
        except httpx.HTTPError as exc:
            reason = self.redact(f"{type(exc).__name__}: {exc}".rstrip(": "))
            raise MangoError(
                None, f"{command}: could not reach Mango ({reason})", Kind.TRANSIENT
            ) from None
        return self._answer(command, response)

    def _answer(self, command: str, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            data = None
        code = _result_code(data)
        if status == 429 or status >= 500:
            retry = _float(response.headers.get("Retry-After"))
            what = "rate limit exceeded" if status == 429 else f"HTTP {status}"
            raise MangoError(
                code,
                f"{command}: Mango answered {what}",
                Kind.TRANSIENT,
                http_status=status,
                retry_after=retry,
            )
        if status in (401, 403) and code is None:
            raise MangoError(
                None,
                f"{command}: Mango refused access (HTTP {status}): check the unique code and "
                "the signing key; after invalid requests Mango blocks access for 2 minutes",
                Kind.PERMANENT,
                account=True,
                http_status=status,
            )
        if not isinstance(data, dict):
            raise MangoError(
                None,
                f"{command}: Mango answered HTTP {status} without JSON",
                Kind.TRANSIENT,
                http_status=status,
            )
        if status == 200 and (
            code == OK or (code is None and isinstance(data.get("result"), list))
        ):
            return data
        if code is None:
            raise MangoError(
                None,
                f"{command}: Mango answered HTTP {status} without a result code",
                Kind.TRANSIENT if status == 200 else Kind.PERMANENT,
                http_status=status,
            )
        meaning = classify(code)
        text = str(data.get("message") or data.get("description") or meaning.text)
        raise MangoError(
            code,
            f"{command}: {self.redact(text)}",
            meaning.kind,
            account=meaning.account,
            http_status=status,
        )


def _result_code(data: Any) -> int | None:
    if not isinstance(data, dict):
        return None
    for key in ("result", "code"):
        value = data.get(key)
        if isinstance(value, bool) or isinstance(value, list):
            continue
        code = _int(value)
        if code:
            return code
    return None


def _int(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def _float(value: str | None) -> float | None:
    try:
        return None if value is None else float(value)
    except ValueError:
        return None
