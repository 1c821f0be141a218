"""Code tables of the laboratory exchange: FHIR systems, Task statuses, order states.

The hub's identifiers travel with the system ``urn:clinic-hub:<clinic id>:<kind>``
(assumed-protocols.md §3).  An order's ``state`` in the plugin's table is one of
``STATES``; the laboratory's Task status is kept beside it as ``lab_status``.
"""

from __future__ import annotations

from typing import Final

FHIR_JSON: Final = "application/fhir+json"
PDF: Final = "application/pdf"
#: The content type of a tube label answer (no registered type exists for ZPL).
ZPL: Final = "application/zpl"

#: Kinds of the hub's own identifiers sent to a laboratory.
ID_ORDER: Final = "order"
ID_PATIENT: Final = "patient"
ID_SPECIMEN: Final = "specimen"


def id_system(clinic_id: str, kind: str) -> str:
    """The identifier system of the hub's ``kind`` ids in ``clinic_id``."""
    return f"urn:clinic-hub:{clinic_id}:{kind}"


#: Task.status values the laboratory moves an order through.
TASK_REQUESTED: Final = "requested"
TASK_ACCEPTED: Final = "accepted"
TASK_IN_PROGRESS: Final = "in-progress"
TASK_COMPLETED: Final = "completed"
TASK_REJECTED: Final = "rejected"
TASK_CANCELLED: Final = "cancelled"
#: Statuses after which the laboratory does nothing more with the order.
TASK_FINAL: Final = frozenset({TASK_COMPLETED, TASK_REJECTED, TASK_CANCELLED})
#: Statuses in which an order may still be cancelled (§3.3).
TASK_CANCELLABLE: Final = frozenset({TASK_REQUESTED, TASK_ACCEPTED})
#: Statuses in which results (partial ones too) may be fetched.
TASK_WITH_RESULTS: Final = frozenset({TASK_IN_PROGRESS, TASK_COMPLETED})

# --- the plugin's order states ------------------------------------------------------------

#: Collected, not yet sent (charges of the same visit may still join it).
STATE_NEW: Final = "new"
#: The laboratory has it (its Task id is known); statuses are polled.
STATE_SENT: Final = "sent"
#: Results are final (or the laboratory rejected / cancelled it): nothing more to poll.
STATE_DONE: Final = "done"
#: Cancelled by the clinic.
STATE_CANCELLED: Final = "cancelled"
#: The laboratory refused it for good (an OperationOutcome error other than a transient one).
STATE_FAILED: Final = "failed"
STATES: Final = (STATE_NEW, STATE_SENT, STATE_DONE, STATE_CANCELLED, STATE_FAILED)

# --- charges ------------------------------------------------------------------------------

#: A charged service and what became of it.
CHARGE_ORDERED: Final = "ordered"
CHARGE_UNMAPPED: Final = "unmapped"
CHARGE_NO_LAB: Final = "no_lab"
CHARGE_UNKNOWN_TEST: Final = "unknown_test"
CHARGE_STATUSES: Final = (CHARGE_ORDERED, CHARGE_UNMAPPED, CHARGE_NO_LAB, CHARGE_UNKNOWN_TEST)

# --- platform names -----------------------------------------------------------------------

REFERENCE_LAB_TESTS: Final = "lab_tests"
MAPPING_SERVICE_TESTS: Final = "service_tests"
MAPPING_DOCTOR_LAB: Final = "doctor_lab"

#: Feed event types, after the plugin's id (``ctx.plugin``): ``labs.order_created``.
FEED_ORDER_CREATED: Final = "order_created"
FEED_ORDER_STATUS: Final = "order_status"

#: Attempts after which a transiently failing order is left to an admin (still listed).
MAX_SEND_ATTEMPTS: Final = 50
