"""clinic-hub-email: e-mail through the clinic's own SMTP server.

    const.py     security modes, default ports and the table of SMTP reply codes
    client.py    SmtpMailer: SMTP over aiosmtplib (TLS, STARTTLS, login, client
                 certificate, UTF-8 subject and body, HTML part); knows nothing of the hub
    settings.py  EmailSettings: what an admin sets per clinic
    delivery.py  sending and the connection check, in the hub's terms
    plugin.py    the @hookimpl functions: thin adapters over the modules above

The plugin id (entry point ``email`` in the ``clinic_hub`` group) names it everywhere:
settings, logs and journal rows.
"""

from __future__ import annotations

__version__ = "0.1.0"
