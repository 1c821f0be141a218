"""Appointment reminders, mailing schedules and the patient's answer (issue 6, seeds 000 and 003).

    timing.py      local time of daily runs in the clinic's time zone (DST, missed runs)
    runs.py        one run per (clinic, rule, local date): claimed in the database
    rules.py       a rule: the default reminder or a schedule (text, channel, filters)
    selection.py   who gets a reminder and who is skipped, and why (pure)
    planner.py     one run: render, queue (dedupe keys), answer links, card warnings
    daily.py       runs over a local day of appointments (default, days before, after services)
    kinds.py       what each of the seven schedule kinds selects, and its dedupe key
    ticks.py       the scheduler ticks that start due runs
    links.py       answer-page links: unguessable tokens, stored hashed
    answers.py     recording the patient's answer: feed event, hook, history

The answer page itself is :mod:`hub.web`.
"""
