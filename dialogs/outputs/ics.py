"""iCalendar invitations (RFC 5545/5546) that Outlook and Google Calendar accept.

A booking is a REQUEST; a rearrangement is a REQUEST with the same UID and a higher SEQUENCE;
a cancellation is a CANCEL with the same UID. Times are written in UTC, which every client reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str


def invitation(
    *,
    uid: str,
    sequence: int,
    start: datetime,
    end: datetime,
    summary: str,
    location: str,
    organiser: Person,
    attendees: Sequence[Person],
    description: str = "",
    cancel: bool = False,
    stamp: datetime,
    url: str | None = None,
    join_label: str = "Join the meeting",
    language: str | None = None,
) -> bytes:
    """An invitation; `location` must say where (a venue, or the pack's words for online),
    and `url` is the online meeting to join, where there is one (issue 23 item 6)."""
    if not location.strip():
        raise ValueError("an invitation needs a LOCATION: a venue or the pack's default")
    calendar = Calendar()
    calendar.add("prodid", "-//Supervision Assistant//supervision-bot//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    # RFC 5545 3.2.10: the text's language, where it is in one (a bilingual invitation is not).
    said = {"LANGUAGE": language} if language else {}
    event.add("summary", summary, parameters=said)
    event.add("location", location, parameters=said)
    if url:
        event.add("url", url)
        description = f"{description}\n\n{join_label}: {url}".strip()
    # No record content or case detail in an invitation: it lands in shared calendars.
    if description:
        event.add("description", description, parameters=said)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organiser_address = vCalAddress(f"mailto:{organiser.email}")
    organiser_address.params["cn"] = vText(organiser.name)
    event["organizer"] = organiser_address
    for person in attendees:
        address = vCalAddress(f"mailto:{person.email}")
        address.params["cn"] = vText(person.name)
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("TRUE")
        event.add("attendee", address, encode=False)
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
