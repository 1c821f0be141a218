"""Appointment reminders, mailing schedules and the patient's answer (issue 6, seeds 000 and 003).

    timing.py      local time of daily runs in the clinic's time zone (DST, missed runs)
    runs.py        one run per (clinic, rule, local date): claimed in the database
    texts.py       placeholders of reminder texts: checking and rendering
    selection.py   who gets a reminder and who is skipped, and why (pure)
    planner.py     one run: select, render, queue (dedupe keys), warn about bad phones
    schedules.py   what each of the seven schedule kinds selects
    ticks.py       the scheduler ticks that start due runs
    links.py       answer-page links: unguessable tokens, stored hashed
    answers.py     recording the patient's answer: feed event, hook, history

The answer page itself is :mod:`hub.web`.
"""
