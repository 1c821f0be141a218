"""What each scanner failure means, in words for the desk and the admin, with its status.

    busy                   409  another scan is in progress: try again
    no_document            422  nothing on the glass
    unreadable             422  a document that cannot be read
    timeout                504  the scanner waited for a document in vain
    no_answer              504  the scanner did not answer within the clinic's wait
    unreachable            502  the hub cannot reach the scanner: where it must run
    malformed/refused/fault 502 the scanner answered something the hub cannot use

The unreachable text is the deployment advice: the scanner sits on the clinic's
network, and scans run in the hub instance that serves the API request.
"""

from __future__ import annotations

from hub_promobot.scanner import Failure, ScannerError

STATUS = {
    Failure.BUSY: 409,
    Failure.NO_DOCUMENT: 422,
    Failure.UNREADABLE: 422,
    Failure.TIMEOUT: 504,
    Failure.NO_ANSWER: 504,
    Failure.UNREACHABLE: 502,
    Failure.MALFORMED: 502,
    Failure.REFUSED: 502,
    Failure.FAULT: 502,
}


def unreachable(scanner_url: str) -> str:
    """Why the hub cannot reach the scanner, and where the hub must run to reach it."""
    return (
        f"The hub cannot reach the Promobot scanner at {scanner_url}. The scanner sits on "
        "the clinic's own network, and a scan runs in the hub instance that receives the "
        "request, so that instance must be on the clinic's network too: run the hub inside "
        "the clinic's network, or run a second hub instance there (`hub serve --no-worker` "
        "on the same PostgreSQL database and HUB_SECRET_KEY as the main one) and send the "
        "clinic system's scan requests to it (a `hub worker` alone does not run scans). "
        "Also check the address («Адрес сканера», as Promobot's engineer gave it) and "
        "that the scanner is switched on."
    )


def for_desk(error: ScannerError, scanner_url: str, waited: float) -> str:
    """The answer to a failed scan: what happened and what to do."""
    match error.failure:
        case Failure.BUSY:
            return "The scanner is busy with another scan: try again in a moment."
        case Failure.NO_DOCUMENT:
            return "There is no document on the scanner's glass: put it on and scan again."
        case Failure.UNREADABLE:
            return (
                "The scanner cannot read the document: lay the right page flat on the glass "
                "(the passport's photo page), make sure the glass is clean, and scan again."
            )
        case Failure.TIMEOUT:
            return (
                "The scanner waited for a document and none was put on the glass in time: "
                "put it on and scan again."
            )
        case Failure.NO_ANSWER:
            return (
                f"The scanner did not answer within {waited:g} s (the clinic's "
                "timeout_seconds plus a margin): scan again; if it repeats, restart the "
                "scanner."
            )
        case Failure.UNREACHABLE:
            return unreachable(scanner_url)
        case _:
            return (
                f"The scanner answered, but not as the hub expects ({error.message}). "
                "Restart it; if it repeats, the scanner's software may speak another "
                "protocol version: call Promobot's support and see the plugin's README."
            )


def for_admin(error: ScannerError, scanner_url: str) -> str:
    """A failed connection check, in plain words."""
    if error.failure in (Failure.UNREACHABLE, Failure.NO_ANSWER):
        return unreachable(scanner_url)
    return (
        f"Something answers at {scanner_url}, but not as a Promobot scanner does "
        f"({error.message}): check «Адрес сканера» with Promobot's engineer."
    )
