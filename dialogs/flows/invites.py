"""Calendar invitations for a booked, moved or cancelled session (RFC 5545/5546).

The summary names the people only: an invitation sits in shared calendars, so it never carries
the agenda's content or any case detail.
"""

from __future__ import annotations

from dataclasses import replace

from dialogs.flow import Turn
from dialogs.i18n import _, channel_languages, format_long_day, in_each, language, pack_word
from dialogs.messages import Attachment, Say
from dialogs.outputs.ics import Person, invitation
from dialogs.ports import InviteUnavailable, MeetingUnavailable, OnlineMeeting, OutlookInvite
from dialogs.views import SessionView, StaffView

ICS = "text/calendar"


async def _people(turn: Turn, session: SessionView) -> tuple[StaffView | None, list[StaffView]]:
    supervisor = await turn.ports.directory.staff(session.supervisor_id)
    supervisees = [await turn.ports.directory.staff(i) for i in session.supervisee_ids]
    return supervisor, [p for p in supervisees if p is not None]


def _summary(people: list[StaffView]) -> str:
    """The invitation's summary and the Teams meeting's subject: the staff's names only, never
    a child's name, a case reference or anything from the agenda or the record."""
    names = " and ".join(p.name for p in people)
    return f"Supervision: {names}" if names else "Supervision"


async def team_link(turn: Turn, session: SessionView) -> str | None:
    """The standing meeting link of the supervisee's team, else the supervisor's (issue 23)."""
    supervisor, people = await _people(turn, session)
    for person in (*people, supervisor):
        team = (
            await turn.ports.directory.team(person.team_id) if person and person.team_id else None
        )
        if team is not None and team.meeting_link:
            return team.meeting_link
    return None


async def arrange_meeting(
    turn: Turn,
    session: SessionView,
    *,
    previous: SessionView | None = None,
    cancel: bool = False,
) -> tuple[SessionView, str]:
    """Issue 23 item 6: where the council has Teams meetings, a virtual session gets its own
    (made when booked, moved with it, cancelled with it) and the session keeps its id and link.
    Returns the session as it now is and, when Teams could not do it, a note for the person
    booking: the booking stands either way, with the team's standing link as the fallback."""
    meetings = turn.meetings
    if meetings is None:
        return session, ""
    _, people = await _people(turn, session)
    subject = _summary(people)
    if cancel:
        if not session.online_meeting_id:
            return session, ""
        try:
            await meetings.cancel(session.supervisor_id, session.online_meeting_id)
        except MeetingUnavailable as exc:
            return session, (
                f"The session is cancelled, but its Teams meeting could not be removed ({exc}). "
                "Nobody is invited to it any more; it does no harm if left."
            )
        return session, ""
    if not session.virtual:
        return session, ""
    meeting: OnlineMeeting | None = None
    problem = ""
    if previous is not None and previous.online_meeting_id:
        try:
            await meetings.move(
                previous.supervisor_id,
                previous.online_meeting_id,
                session.start,
                session.end,
                subject,
            )
            meeting = OnlineMeeting(previous.online_meeting_id, previous.online_meeting_url or "")
        except MeetingUnavailable as exc:
            problem = str(exc)  # a new meeting is made instead, below
    if meeting is None or not meeting.join_url:
        try:
            meeting = await meetings.create(
                session.supervisor_id, session.start, session.end, subject
            )
        except MeetingUnavailable as exc:
            problem = str(exc)
            meeting = None
    if meeting is None:
        fallback = await team_link(turn, session)
        instead = (
            "the invitation carries the team's meeting link instead"
            if fallback
            else "the invitation has no meeting link: send one with it"
        )
        return session, (
            f"The booking is saved, but a Teams meeting could not be made for it ({problem}), "
            f"so {instead}."
        )
    await turn.ports.sessions.set_online_meeting(session.id, meeting.id, meeting.join_url)
    return replace(session, online_meeting_id=meeting.id, online_meeting_url=meeting.join_url), ""


async def to_outlook(
    turn: Turn,
    session: SessionView,
    *,
    previous: SessionView | None = None,
    cancel: bool = False,
) -> tuple[SessionView, Say | None, str]:
    """Issue 23 item 6: where the council sends invitations into Outlook (Graph), the session's
    event is made in the supervisor's calendar with the supervisees invited, moved with it and
    cancelled with it; Exchange sends everyone the invitation, update or cancellation. Returns
    the session as it now is, what to show in place of the .ics file when Outlook has it (None:
    send the file), and a note for the person booking when Outlook could not: the booking stands
    either way and the file goes instead."""
    invites = turn.invites
    if invites is None:
        return session, None, ""
    _supervisor, people = await _people(turn, session)
    sent = Say(_("The invitation was sent through Outlook, to everyone's calendar."))
    if cancel:
        if not session.outlook_event_id:
            return session, None, ""
        try:
            await invites.cancel(
                session.supervisor_id, session.outlook_event_id, _("This supervision is cancelled.")
            )
        except InviteUnavailable as exc:
            return (
                session,
                None,
                _(
                    "The session is cancelled, but Outlook could not cancel its invitation "
                    "({why}); the cancellation goes as a calendar file instead."
                ).format(why=exc),
            )
        return session, Say(_("The cancellation is in Outlook: everyone invited is told.")), ""
    words = turn.pack.meetings
    virtual, venue = session.virtual, session.venue.strip()
    location = venue or pack_word(
        turn.pack, words.virtual_location if virtual else words.in_person_location
    )
    body = _("Booked with Supervision Assistant.")
    link = session.online_meeting_url or (await team_link(turn, session) if virtual else None)
    if link:
        body += "\n" + _("Join the meeting") + f": {link}"
    invite_ = OutlookInvite(
        organiser_id=session.supervisor_id,
        start=session.start,
        end=session.end,
        subject=_summary(people),
        location=location,
        attendee_ids=tuple(p.id for p in people),
        body=body,
        uid=session.ical_uid,
    )
    event_id = previous.outlook_event_id if previous is not None else None
    try:
        if event_id:
            await invites.update(event_id, invite_)
        else:
            event_id = await invites.send(invite_)
    except InviteUnavailable as exc:
        return (
            session,
            None,
            _(
                "The booking is saved, but Outlook could not take its invitation ({why}), so "
                "it goes as a calendar file instead."
            ).format(why=exc),
        )
    if event_id != session.outlook_event_id:
        await turn.ports.sessions.set_outlook_event(session.id, event_id)
    return replace(session, outlook_event_id=event_id), sent, ""


async def invite(turn: Turn, session: SessionView, *, cancel: bool = False) -> Attachment:
    supervisor, people = await _people(turn, session)
    organiser = Person(supervisor.name, supervisor.email) if supervisor else Person("", "")
    names = [p.name for p in people]
    # A cancellation is the next revision of the same event (RFC 5546 CANCEL).
    sequence = session.ical_sequence + 1 if cancel else session.ical_sequence
    virtual, venue = session.virtual, session.venue.strip()
    # Issue 23 item 6: LOCATION is never empty, and a virtual session carries its own Teams
    # meeting where one was made, else the team's standing meeting link where one is set.
    link = None
    if virtual:
        link = session.online_meeting_url or await team_link(turn, session)
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
