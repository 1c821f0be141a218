"""Voice-robot appointment confirmations through Ivoice (ivoice.online) for clinic-hub."""

__version__ = "0.1.0"
