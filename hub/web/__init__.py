"""Server-rendered pages for patients (no JavaScript needed).

answer.py       GET/POST /r/{token}: the patient's answer page (the router)
view.py         what the page shows: appointment, clinic, answer state (a view model)
ratelimit.py    requests per minute per client address
templates/      Jinja2 templates (packaged with the hub)
"""
