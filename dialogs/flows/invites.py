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
    virtual, venue = session.virtual, session.venue.strip()
    # Issue 23 item 6: LOCATION is never empty, and a virtual session carries the team's
    # standing meeting link where one is set (the supervisee's team, else the supervisor's).
    link = None
    if virtual:
        for person in (*people, supervisor):
            team = (
                await turn.ports.directory.team(person.team_id)
                if person and person.team_id
                else None
            )
            if team is not None and team.meeting_link:
                link = team.meeting_link
                break
    words = turn.pack.meetings
    location = venue or (words.virtual_location if virtual else words.in_person_location)
    data = invitation(
        uid=session.ical_uid,
        sequence=sequence,
        start=session.start,
        end=session.end,
        summary=f"Supervision: {names}" if names else "Supervision",
        location=location,
        organiser=organiser,
        attendees=[Person(p.name, p.email) for p in people],
        description="Booked with Supervision Assistant.",
        cancel=cancel,
        stamp=turn.now,
        url=link,
    )
    day = session.start.astimezone(turn.zone).date().isoformat()
    name = f"supervision-{day}{'-cancelled' if cancel else ''}.ics"
    what = "Cancellation" if cancel else "Calendar invitation"
    return Attachment(name, ICS, data, f"{what} for supervision on {day}")
