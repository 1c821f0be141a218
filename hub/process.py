"""This process among the hub's workers: ``WORKER_ID``.

Leases taken by this process (outbox deliveries, message batches, daily reminder
runs, plugin job locks) are all stamped with the one id, so a row held by a dead
process is recognisable whichever table it is in.
"""

from __future__ import annotations

import socket
import uuid
from typing import Final

__all__ = ["WORKER_ID"]

#: ``<host>-<8 hex digits>``, new at every start of the process.
WORKER_ID: Final = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
