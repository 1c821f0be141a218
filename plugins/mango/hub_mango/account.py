"""The account: the client for a clinic, errors as delivery results, the connection check.

``check`` signs a harmless request (``custom-type/list``), so a wrong unique code or
signing key is reported in plain words; then it looks at the campaign (a missing or
finished campaign takes no tasks) and at the custom fields the push fills.  Problems
of the campaign and the fields are *warnings* (the telephony still works), listed in
the check's ``details``.
"""

from __future__ import annotations

from typing import Any

from hub_mango.client import MangoClient, MangoError, pacer_for
from hub_mango.settings import MangoSettings
from hub_mango.tasks import missing_fields

from hub import CheckResult, DeliveryResult, HookContext

Ctx = HookContext[MangoSettings]

#: The seconds one request to Mango may take.
REQUEST_TIMEOUT = 20.0

WRONG_KEYS = (
    "Mango rejected the unique code or the signing key. Copy both from Mango's cabinet: "
    "«Интеграции» → «API коннектор» («Уникальный код вашей ВАТС» into api_key, «Ключ для "
    "создания подписи» into api_salt)."
)


def client_for(ctx: Ctx) -> MangoClient:
    """The client of this clinic's Mango account, paced to the account's limits."""
    settings = ctx.settings
    key, salt = settings.api_key.get_secret_value(), settings.api_salt.get_secret_value()
    return MangoClient(
        ctx.http,
        key,
        salt,
        settings.api_url,
        timeout=REQUEST_TIMEOUT,
        pacer=pacer_for(settings.api_url, key),
    )


def failure(error: MangoError) -> DeliveryResult:
    """A failed request as a delivery result."""
    code = None if error.code is None else str(error.code)
    if error.transient:
        return DeliveryResult.transient(code, error.text)
    return DeliveryResult.permanent(code, error.text, provider_side=True)


async def check(ctx: Ctx) -> CheckResult:
    """Test the connection: the keys, the campaign, the custom fields."""
    client = client_for(ctx)
    try:
        ids = await client.custom_fields()
    except MangoError as exc:
        if exc.account:
            return CheckResult.failed(WRONG_KEYS, code=exc.code)
        return CheckResult.failed(f"Mango could not be asked: {exc.text}", code=exc.code)
    warnings: list[str] = []
    details: dict[str, Any] = {"custom_fields": sorted(ids)}
    campaign_id = ctx.settings.campaign_id
    if campaign_id is not None:
        try:
            campaign = await client.campaign(campaign_id)
        except MangoError as exc:
            return CheckResult.failed(f"Mango could not list the campaigns: {exc.text}")
        if campaign is None:
            warnings.append(
                f"Mango has no campaign {campaign_id}: the daily push will fail until "
                "campaign_id is the «ID кампании исходящего обзвона» of an existing campaign."
            )
        elif campaign.finished:
            warnings.append(
                f"Campaign {campaign_id} «{campaign.name}» is finished: a finished campaign "
                "accepts no tasks. Create a new one with «Не останавливать кампанию после "
                "обзвона всех клиентов» and set its id."
            )
        else:
            details["campaign"] = {
                "id": campaign.campaign_id,
                "name": campaign.name,
                "status": campaign.status,
            }
        missing = missing_fields(ctx.settings.custom_fields, ids)
        if missing:
            warnings.append(
                "The account has no custom fields "
                + ", ".join(f"«{m}»" for m in missing)
                + ": create them in the contact centre, or change custom_fields."
            )
    return CheckResult.passed(**details, warnings=warnings)
