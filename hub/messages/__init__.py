"""Messages: the journal and outbox, delivery, templates, mailings, stop list.

    queue.py        queue_message(): the one way a message enters the outbox
    policy.py       may this address get this message? (stop list, opt-out)
    addresses.py    E.164 phones / e-mail addresses per channel
    quiet.py        the clinic's quiet hours (no texts at night, local time)
    retry.py        back-off with jitter
    routing.py      which providers serve a clinic's channel, in order
    ratelimit.py    per provider account token buckets (per process)
    claim.py        claiming due messages (FOR UPDATE SKIP LOCKED + a lease)
    delivery.py     the worker step: claim, send through the provider, record
    reports.py      delivery reports from providers; status polling
    templates.py    placeholders, validation and rendering of templates
    recipients.py   the address of a patient card for a channel (or why none)
    mailings.py     group mailings
    balance.py      the provider's balance (briefly cached)
    journal.py      the journal's filters and queries

Everything here is internal to the hub; plugins use ``ctx.queue_message``,
``ctx.report_delivery`` and ``ctx.awaiting_report``.
"""
