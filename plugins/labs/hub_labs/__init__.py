"""clinic-hub-labs: external laboratories — orders on charge, tube labels, results back.

Hub-free (know nothing of the hub; tested on their own):
    const.py     FHIR systems, order states, feed event types, content types
    model.py     LabOrder, Specimen, TaskStatus, LabReport...: what adapters take and give
    adapters.py  LabAdapter: the interface every laboratory protocol implements; the registry
    fhir.py      the FHIR R4 resources of the exchange (build the order Bundle, read answers)
    client.py    FhirLab: the ``fhir`` adapter over httpx (assumed-protocols.md §3)
    zpl.py       tube labels in ZPL II (one ^XA…^XZ per tube, Code 128, UTF-8)
    barcodes.py  specimen barcodes from a laboratory's prefix and number range
    settings.py  LabsSettings: laboratories, default laboratory, label printer

In the hub's terms:
    tables.py    the plugin's own tables (orders, charges, barcode counters)
    store.py     reading and writing them through ``ctx.tables()``
    ordering.py  charges → orders (on_service_charged, create_order), sending with retries
    polling.py   statuses and results (the poll job), reported through the platform
    catalogue.py the laboratories' catalogues (sync ``lab_tests``) and the connection check
    actions.py   create_order, cancel_order, label, results, charges
    plugin.py    the @hookimpl functions: thin adapters over the modules above

The plugin id (entry point ``labs`` in the ``clinic_hub`` group) names it everywhere.
"""

from __future__ import annotations

__version__ = "0.1.0"
