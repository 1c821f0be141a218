"""SMS through SMSC.ru («SMS Центр») for clinic-hub."""

__version__ = "0.1.0"
