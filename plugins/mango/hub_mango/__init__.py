"""clinic-hub-mango: Mango Office voice-robot confirmations and telephony.

    const.py       base URL, commands, rate limits, result and status codes
    client.py      MangoClient: the signed VPBX / campaign API over httpx (knows nothing of the hub)
    settings.py    MangoSettings: what an admin sets per clinic
    tables.py      the plugin's own tables (migrations/ creates them)
    references.py  the reference a robot task carries, and what it leads back to
    tasks.py       the custom-field values and journal text of a task
    push.py        the daily push, «send to robot», and the send_messages hook
    status.py      POST /MangoOffice/UpdateStatus: the robot's answer
    finished.py    the tasks/finished poll: calls that reached no one
    telephony.py   webhooks (who is calling, call history), click to call
    account.py     the client of a clinic, the connection check
    phones.py      numbers as Mango writes them
    plugin.py      the @hookimpl functions: thin adapters over the modules above

The plugin id (entry point ``mango`` in ``clinic_hub``) names it everywhere:
``/plugins/mango/...``, settings, logs and journal rows.
"""

from __future__ import annotations

__version__ = "0.1.0"
