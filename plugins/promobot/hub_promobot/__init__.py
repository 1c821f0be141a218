"""clinic-hub-promobot: the Promobot document scanner at the front desk fills the card.

    const.py     documents, the card vocabulary, time limits, the feed event type
    settings.py  PromobotSettings: scanner_url, timeout_seconds, min_confidence
    scanner.py   the Scanner interface (a Protocol), its answers and ScannerError
    client.py    PromobotClient: the ASSUMED wire protocol (the only module that knows it)
    validate.py  SNILS, OMS (ЕНП), passport, dates, names: checked, never "fixed"
    mapping.py   recognised fields -> checked fields, flags, the patch for a card
    explain.py   each failure in plain words, with its HTTP status
    scan.py      the ``scan`` action (and publishing ``card.document_recognised``)
    check.py     the connection check and the plugin's status
    plugin.py    the @hookimpl functions: thin adapters over the modules above

The plugin id (entry point ``promobot`` in the ``clinic_hub`` group) names it
everywhere: ``/plugins/promobot/...``, settings, logs.
"""

from __future__ import annotations

__version__ = "0.1.0"
