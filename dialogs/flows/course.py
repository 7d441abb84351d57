"""A course a worker has completed, recorded by their manager (CAP003 003:30).

"Before independently undertaking child protection enquiries, social workers should have
completed the 'Good Practice in Undertaking Section 47 Enquiries' course (or an equivalent where
the social worker has worked in another local authority)." Which courses a council asks for are
its pack's (`caseload.courses`); the allocation rules (policy.allocation) read who has done them:
the case import and "who can take this case" refuse a Section 47 lead without it.
"""

from __future__ import annotations

from collections.abc import Mapping

from dialogs.flow import Outcome, Turn
from dialogs.flows.common import day_value, field, resolve_person
from dialogs.flows.form_flow import ManagerRecordFlow
from dialogs.i18n import N_, _, pack_word
from dialogs.messages import AskForm, FieldKind, Notify, Option, Say, Tone
from dialogs.when import describe_day
from policy.citations import cite


class CourseFlow(ManagerRecordFlow):
    name = "course"
    title = N_("Record a course completed")
    summary = N_(
        "record that a worker has completed a course your council asks for (the S47 course)"
    )
    usage = N_("course [person]")
    menu = False  # typed by managers now and then; Teams menus hold 12 commands
    what = N_("courses completed")

    def form(self, turn: Turn) -> AskForm:
        courses = turn.pack.caseload.courses
        options = tuple(Option(c.id, pack_word(turn.pack, c.label)) for c in courses)
        cited = [where for c in courses if c.source and (where := cite(turn.pack, c.source))]
        intro = (
            _("Your council asks for these courses before some work ({cited}).").format(
                cited="; ".join(cited)
            )
            if cited
            else _("Your council asks for these courses before some work.")
        )
        equivalents = [pack_word(turn.pack, c.equivalent) for c in courses if c.equivalent]
        if equivalents:
            intro += " " + _("It also accepts: {equivalents}.").format(
                equivalents="; ".join(equivalents)
            )
        return AskForm(
            form_id=self.name,
            title=_(self.title),
            intro=intro,
            fields=(
                field("person", _("Worker"), help=_("Name or email")),
                field(
                    "course",
                    _("Course"),
                    FieldKind.SELECT,
                    options=options,
                    value=courses[0].id if len(courses) == 1 else "",
                ),
                field("completed", _("Completed on"), FieldKind.DATE, value=_("today")),
            ),
        )

    async def prefill(self, turn: Turn, argument: str) -> dict[str, str]:
        values = {"completed": _("today")}
        courses = turn.pack.caseload.courses
        if len(courses) == 1:
            values["course"] = courses[0].id
        return values | ({"person": argument} if argument else {})

    async def start(self, turn: Turn, argument: str) -> Outcome:
        if not turn.pack.caseload.courses:
            text = _(
                "Your council's policy names no course that work needs first, so there is "
                "nothing to record here."
            )
            return Outcome(replies=[Say(text, Tone.WARNING)])
        return await super().start(turn, argument)

    async def problems(self, turn: Turn, values: Mapping[str, str]) -> dict[str, str]:
        worker, refused = await self.managed_worker(turn, values["person"])
        if worker is None:
            return refused
        if turn.pack.caseload.course(values.get("course", "")) is None:
            return {"course": _("Pick one of your council's courses.")}
        if day_value(values, "completed", turn) > turn.today:
            return {"completed": _("Completed on: the day it was completed, today or earlier.")}
        return {}

    async def save(self, turn: Turn, values: Mapping[str, str]) -> Outcome:
        worker, _unused = await resolve_person(turn, values["person"])
        course = turn.pack.caseload.course(values["course"])
        assert worker is not None
        assert course is not None  # checked in problems
        day = day_value(values, "completed", turn)
        row_id = await turn.ports.notes.course_completed(
            staff_id=worker.id, course=course.id, completed_on=day, recorded_by_id=turn.actor.id
        )
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="course_completion",
            subject_id=str(row_id),
            target_staff_id=worker.id,
        )
        label, on = pack_word(turn.pack, course.label), describe_day(day)
        text = _("Recorded: {name} completed {course} on {day}.").format(
            name=worker.name, course=label, day=on
        )
        tell = Say(
            _("{manager} recorded that you completed {course} on {day}.").format(
                manager=turn.actor.name, course=label, day=on
            )
        )
        notes = [Notify(worker.id, (tell,), key=f"course:{row_id}:{day.isoformat()}")]
        recorded = _("{course} completed by {name} on {day}").format(
            course=label, name=worker.name, day=on
        )
        return Outcome(replies=[Say(text, Tone.SUCCESS)], notifications=notes, recorded=recorded)
