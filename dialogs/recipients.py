"""Each message in its recipient's language (issue 28 item 1; docs/welsh.md).

A turn is written in the language of the person speaking. A notice that turn sends to someone
else (a booking, a signature request, a decision) is not theirs: it is rendered again, in the
language its recipient chose, else their council's default, by `notice`. Reminders and
escalations, planned without a turn, read each recipient's language the same way
(`language_for`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from dialogs.flow import Turn
from dialogs.i18n import choose, use_language
from dialogs.messages import Notify, Reply
from dialogs.ports import Ports


def language_for(chosen: str | None, default: str, client: str | None = None) -> str:
    """A recipient's language where there is no message of theirs to read a client's locale
    from: what they chose, else Welsh where the Teams client they last wrote from is in Welsh,
    else their council's default."""
    return choose(chosen, client, default)


async def language_of(ports: Ports, staff_id: int, default: str) -> str:
    """The language `staff_id` reads: their choice, else their Teams client's, else their
    council's default (`default` where they are not on the staff list)."""
    person = await ports.directory.staff(staff_id)
    if person is None:
        return language_for(None, default)
    pack = ports.packs.for_organisation(person.organisation_id)
    return language_for(person.language, pack.language.default, person.client_language)


async def notice(
    turn: Turn,
    staff_id: int,
    key: str,
    render: Callable[[], Sequence[Reply] | Awaitable[Sequence[Reply]]],
) -> Notify:
    """A notice to `staff_id`, its words rendered by `render()` in their language (not the
    sender's). Everything language-dependent must be built inside `render`."""
    with use_language(await language_of(turn.ports, staff_id, turn.pack.language.default)):
        made = render()
        messages = await made if isinstance(made, Awaitable) else made
    return Notify(staff_id=staff_id, messages=tuple(messages), key=key)
