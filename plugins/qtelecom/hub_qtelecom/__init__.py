"""SMS through QuickTelecom (QTSMS, go.qtelecom.ru) for clinic-hub."""

__version__ = "0.1.0"
