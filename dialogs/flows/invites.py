"""Calendar invitations for a booked, moved or cancelled session (RFC 5545/5546).

The summary names the people only: an invitation sits in shared calendars, so it never carries
the agenda's content or any case detail.
"""

from __future__ import annotations

from dialogs.flow import Turn
from dialogs.messages import Attachment
from dialogs.outputs.ics import Person, invitation
from dialogs.views import SessionView

ICS = "text/calendar"


async def invite(turn: Turn, session: SessionView, *, cancel: bool = False) -> Attachment:
    supervisor = await turn.ports.directory.staff(session.supervisor_id)
    supervisees = [await turn.ports.directory.staff(i) for i in session.supervisee_ids]
    people = [p for p in supervisees if p is not None]
    organiser = Person(supervisor.name, supervisor.email) if supervisor else Person("", "")
    names = " and ".join(p.name for p in people)
    # A cancellation is the next revision of the same event (RFC 5546 CANCEL).
    sequence = session.ical_sequence + 1 if cancel else session.ical_sequence
    data = invitation(
        uid=session.ical_uid,
        sequence=sequence,
        start=session.start,
        end=session.end,
        summary=f"Supervision: {names}" if names else "Supervision",
        location="Online" if session.virtual and not session.venue else session.venue,
        organiser=organiser,
        attendees=[Person(p.name, p.email) for p in people],
        description="Booked with Supervision Assistant.",
        cancel=cancel,
        stamp=turn.now,
    )
    day = session.start.astimezone(turn.zone).date().isoformat()
    name = f"supervision-{day}{'-cancelled' if cancel else ''}.ics"
    what = "Cancellation" if cancel else "Calendar invitation"
    return Attachment(name, ICS, data, f"{what} for supervision on {day}")
