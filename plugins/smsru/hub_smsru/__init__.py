"""clinic-hub-smsru: SMS through sms.ru (https://sms.ru), speaking its HTTP API.

    const.py     base URL, limits and the table of every sms.ru status code
    client.py    SmsRuClient: the sms.ru protocol over a post_form or httpx (no hub import)
    results.py   typed answers (SendResult, MessageStatus...) and SmsRuError
    settings.py  SmsruSettings: what an admin sets per clinic
    delivery.py  sending, cost estimates and delivery statuses, in the hub's terms
    callback.py  the delivery-status callback route sms.ru posts to
    account.py   connection check, account status, callback registration, low-balance warning
    plugin.py    the @hookimpl functions: thin adapters over the modules above

The plugin id (entry point ``smsru`` in the ``clinic_hub`` group) names it everywhere:
``/plugins/smsru/...``, settings, logs and journal rows.
"""

from __future__ import annotations

__version__ = "0.1.0"
