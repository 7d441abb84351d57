"""Calendar invitations for a booked, moved or cancelled session (RFC 5545/5546).

The summary names the people only: an invitation sits in shared calendars, so it never carries
the agenda's content or any case detail.
"""

from __future__ import annotations

from dialogs.flow import Turn
from dialogs.i18n import _, channel_languages, format_long_day, in_each, language, pack_word
from dialogs.messages import Attachment
from dialogs.outputs.ics import Person, invitation
from dialogs.views import SessionView

ICS = "text/calendar"


async def invite(turn: Turn, session: SessionView, *, cancel: bool = False) -> Attachment:
    supervisor = await turn.ports.directory.staff(session.supervisor_id)
    supervisees = [await turn.ports.directory.staff(i) for i in session.supervisee_ids]
    people = [p for p in supervisees if p is not None]
    organiser = Person(supervisor.name, supervisor.email) if supervisor else Person("", "")
    names = [p.name for p in people]
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
    place = words.virtual_location if virtual else words.in_person_location
    # Issue 28: one invitation for both people, in the council's channel languages (Welsh first
    # where both), else the booker's.
    bilingual = turn.pack.language.bilingual_channels
    languages = channel_languages(turn.pack.language.default, True) if bilingual else (language(),)

    def summary() -> str:
        together = _(" and ").join(names)
        return _("Supervision: {names}").format(names=together) if names else _("Supervision")

    def joined(parts: list[str]) -> str:
        return " / ".join(dict.fromkeys(parts))

    location = venue or joined(in_each(lambda: pack_word(turn.pack, place), languages))
    data = invitation(
        uid=session.ical_uid,
        sequence=sequence,
        start=session.start,
        end=session.end,
        summary=joined(in_each(summary, languages)),
        location=location,
        organiser=organiser,
        attendees=[Person(p.name, p.email) for p in people],
        description="\n".join(in_each(lambda: _("Booked with Supervision Assistant."), languages)),
        join_label=joined(in_each(lambda: _("Join the meeting"), languages)),
        language=languages[0] if len(languages) == 1 else None,
        cancel=cancel,
        stamp=turn.now,
        url=link,
    )
    day = session.start.astimezone(turn.zone).date().isoformat()
    name = f"supervision-{day}{'-cancelled' if cancel else ''}.ics"
    when = format_long_day(session.start.astimezone(turn.zone).date())
    if cancel:
        described = _("Cancellation of the supervision on {day}").format(day=when)
    else:
        described = _("Calendar invitation for the supervision on {day}").format(day=when)
    return Attachment(name, ICS, data, described)
