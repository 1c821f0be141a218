"""Messenger messages through Fromni / Imobis chat-bots for clinic-hub.

const.py     base URLs, status and error tables
settings.py  FromniSettings: the token, the mode, the cascade, the webhook secret
client.py    FromniClient: the Fromni Bots and Imobis v3 HTTP APIs (knows nothing of the hub)
delivery.py  sending, balance, the connection check, status -> delivery report
webhook.py   the status webhook route (secret in the URL)
plugin.py    the hook implementations
"""

__version__ = "0.1.0"
