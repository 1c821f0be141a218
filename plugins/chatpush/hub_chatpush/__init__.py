"""Messenger messages through ChatPush (api.chatpush.ru) for clinic-hub."""

__version__ = "0.1.0"
