"""Clinic data intake: what the clinic system tells the hub, and what the hub makes of it.

    snapshots     value objects (Card, Appointment with doctor, specialty, services) read
                  from the mirrored tables in a few queries: what plugins and messages see
    patients      upsert / delete cards: compare, decide, write, emit the events
    appointments  upsert / cancel appointments: the same, with reference checks
    reference     bulk replace of doctors, specialties, services, price-list sections,
                  with the automatic dative forms
    clinic_events service charged, lab results ready, discount card issued
    problems      the error shape shared by the API, bulk results and plugin write-back

Writes happen in the caller's transaction (an API request, a bulk batch, a plugin's
write-back), together with the events of :mod:`hub.events`, so a change and the news
of it commit or roll back as one.
"""
