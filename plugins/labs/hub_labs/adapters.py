"""LabAdapter: what the plugin needs from a laboratory, whatever protocol it speaks.

A new protocol (a SOAP laboratory, HL7 v2 over MLLP...) is one class implementing this
interface, registered in ``ADAPTERS`` under the name the ``adapter`` setting takes.
Adapters know nothing of the hub: they get an httpx client, the laboratory's address
and token, and the clinic id (for the hub's identifier systems).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import httpx
from hub_labs.model import CatalogueTest, LabOrder, LabReport, Receipt, TaskStatus


class LabAdapter(Protocol):
    async def catalogue(self) -> list[CatalogueTest]:
        """The laboratory's orderable tests."""

    async def submit(self, order: LabOrder) -> Receipt:
        """Place the order; placing the same order again must not book it twice."""

    async def status(self, order_id: str) -> TaskStatus | None:
        """Where the laboratory is with the order (None: it does not know it)."""

    async def cancel(self, order_id: str) -> TaskStatus:
        """Cancel the order while the laboratory has not started it."""

    async def reports(self, request_ids: Sequence[str]) -> list[LabReport]:
        """The reports of results for the order's requests (partial ones too)."""


AdapterFactory = Callable[[httpx.AsyncClient, str, str, str], LabAdapter]


def _fhir(http: httpx.AsyncClient, base_url: str, token: str, clinic_id: str) -> LabAdapter:
    from hub_labs.client import FhirLab

    return FhirLab(http, base_url, token, clinic_id)


#: adapter setting -> factory(http, base_url, token, clinic_id)
ADAPTERS: dict[str, AdapterFactory] = {"fhir": _fhir}


def make_adapter(
    adapter: str, http: httpx.AsyncClient, base_url: str, token: str, clinic_id: str
) -> LabAdapter:
    try:
        factory = ADAPTERS[adapter]
    except KeyError:
        raise ValueError(f"no laboratory adapter {adapter!r}; known: {sorted(ADAPTERS)}") from None
    return factory(http, base_url, token, clinic_id)
