"""clinic-hub-ondoc: the ONDOC patient portal (link codes, mirrored appointments, portal
bookings, directories), speaking the *assumed* protocol of ``assumed-protocols.md`` §1.

    const.py        defaults, the portal's error codes, feed events, state keys
    settings.py     OndocSettings: server, both tokens, poll_minutes, contact_priority...
    portal.py       Portal: the interface the plugin uses, its values and OndocError
    client.py       OndocClient: the assumed wire protocol (the one module to replace)
    connection.py   portal_of(ctx): the clinic's Portal from its settings
    linking.py      the ``link`` and ``status`` actions, the links poll, unlink on deletion
    mirror.py       appointments of linked patients sent to the portal
    bookings.py     portal bookings written back and published
    directories.py  doctors / services / specialties uploaded, mapping read back
    account.py      connection check, plugin status, the poll job
    plugin.py       the @hookimpl functions: thin adapters over the modules above

The plugin id (entry point ``ondoc`` in the ``clinic_hub`` group) names it everywhere:
``/plugins/ondoc/...``, settings, feed events (``ondoc.link_code_issued``...).
"""

from __future__ import annotations

__version__ = "0.1.0"
