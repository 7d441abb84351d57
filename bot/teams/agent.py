"""The Teams agent: one turn per activity, translated to the neutral runtime and back.

Personal chat is the whole assistant. In a team channel a manager can @mention the bot for the
team's view and link the channel for the weekly digest; nothing personal is posted there. Every
activity refreshes the conversation reference that later reminders and digests are sent with.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes, InvokeResponse
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bot.keys import CLOCK, CONVERSATIONS, ENGINE, SETTINGS
from bot.known import KnownPeople
from bot.teams import consent, files, inbound, render
from bot.teams.identity import UNKNOWN_PERSON, Member, identify
from bot.teams.inbound import Scope, Where
from bot.teams.references import RecentlyStored, remember
from dialogs.i18n import N_, _, channel_languages, in_each, parse_language, set_language
from dialogs.messages import (
    AskForm,
    Choice,
    Command,
    FormSubmit,
    Inbound,
    Payload,
    Reply,
    Say,
    Text,
    Tone,
)
from dialogs.views import StaffView
from storage.db import session_scope
from storage.models import Staff
from storage.repositories.people import SqlDirectory
from storage.repositories.references import SqlReferences

log = logging.getLogger(__name__)

WELCOME = N_(
    "Hello! I'm Supervision Assistant. Ask me things like *what's my caseload score* or "
    "*what's due*, or type *help* to see everything I can do."
)
# Issue 28: what the bot posts in a channel outside a conversation is in the council's channel
# languages (Welsh, then English, where the pack asks for both): `_channel_say`.
CHANNEL_WELCOME = N_(
    "Hello, team! Team managers can @mention me here with *caseload* for the team's caseloads, "
    "and with *link* to have this team's weekly supervision digest posted in this channel. "
    "Everything else happens in a personal chat with me."
)
CHANNEL_HELP = N_(
    "In a channel I only show team views. A team manager can @mention me with:\n"
    "• *caseload*: the team's caseload scores\n"
    "• *link*: post this team's weekly digest in this channel\n"
    "For anything else, message me in a personal chat (nothing personal is posted here)."
)
_TEAM_VIEW_WORDS = frozenset({"caseload", "caseloads", "score", "scores", "workload", "team"})
_LINK_WORDS = frozenset({"link", "link channel", "use this channel", "digest here"})
_HELP_WORDS = frozenset({"help", "?", "menu", "commands"})
_DONE = N_("Sent. This card can't be sent again; ask me again to start afresh.")
_CANCELLED = N_("Cancelled: nothing more was saved.")


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who sent an activity: the Teams account and, when known, the staff member."""

    user_id: str
    aad_object_id: str
    staff: StaffView | None


class TeamsAgent:
    """The Agents SDK `Agent`: its `on_turn` is called by the CloudAdapter for each activity."""

    def __init__(self, app: web.Application) -> None:
        self._app = app
        self._recent = RecentlyStored()
        # Teams accounts to staff, for a minute (bot.known): no identity query on every message.
        self._people = KnownPeople()

    @property
    def _engine(self) -> AsyncEngine:
        return self._app[ENGINE]

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        place = _where(activity)
        allowed = self._app[SETTINGS].teams_tenant_id
        if allowed and place.tenant_id.lower() != allowed.lower():
            # Single tenant: another organisation's Teams is never answered or remembered.
            log.warning("ignored a Teams activity from another tenant")
            return
        # Issue 28: until the person is known, their client's language (the turn sets theirs).
        set_language(parse_language(activity.locale))
        match activity.type:
            case ActivityTypes.message:
                await self._on_message(context, place)
            case ActivityTypes.conversation_update | ActivityTypes.installation_update:
                await self._on_install(context, place)
            case ActivityTypes.invoke if activity.name == "adaptiveCard/action":
                await self._on_execute(context, place)
            case ActivityTypes.invoke if activity.name == consent.INVOKE:
                await self._on_file_consent(context, place)
            case _:
                return

    # ---- Turns -------------------------------------------------------------------------------

    async def _on_message(self, context: TurnContext, place: Where) -> None:
        activity = context.activity
        speaker = await self._speaker(context, place)
        if speaker.staff is None:
            await self._send(context, [Say(_(UNKNOWN_PERSON), Tone.WARNING)])
            return
        payload = inbound.payload(activity.text, activity.value)
        if payload is None:
            return
        if place.scope is not Scope.PERSONAL:
            await self._in_channel(context, place, speaker, speaker.staff, payload)
            return
        replies = await self._converse(context, place, speaker, speaker.staff, payload)
        if replies is None:
            return
        data = inbound.card_data(activity.value)
        if activity.reply_to_id and data:
            replies = await self._settle_card(context, payload, data, replies)
        await self._send(context, replies)

    async def _on_execute(self, context: TurnContext, place: Where) -> None:
        """Action.Execute: the card is replaced through the invoke response, not a PUT."""
        activity = context.activity
        speaker = await self._speaker(context, place)
        data = inbound.card_data(activity.value)
        payload = inbound.payload(None, activity.value)
        card: dict[str, Any] | None = None
        replies: list[Reply] = []
        if speaker.staff is None:
            replies = [Say(_(UNKNOWN_PERSON), Tone.WARNING)]
        elif payload is not None and place.scope is Scope.PERSONAL:
            answered = await self._converse(context, place, speaker, speaker.staff, payload)
            card, replies = _after_use(payload, data, answered or [])
        response: dict[str, Any] = (
            {"statusCode": 200, "type": render.CARD_TYPE, "value": card}
            if card is not None  # the card is replaced
            else {
                "statusCode": 200,
                "type": "application/vnd.microsoft.activity.message",
                "value": "",
            }
        )
        await _answer_invoke(context, response)
        await self._send(context, replies)

    async def _on_file_consent(self, context: TurnContext, place: Where) -> None:
        """The person's answer to a FileConsentCard; Teams gets its 200 after the upload."""
        answered = await consent.answer(
            self._engine,
            context.activity,
            place,
            now=self._app[CLOCK](),
            production=self._app[SETTINGS].environment == "production",
        )
        await _answer_invoke(context, None)
        if answered.info is not None:
            await context.send_activity(Activity.model_validate(answered.info))
        await self._send(context, answered.notes)

    async def _on_install(self, context: TurnContext, place: Where) -> None:
        activity = context.activity
        speaker = await self._speaker(context, place)
        bot_id = activity.recipient.id if activity.recipient else None
        added = any(m.id == bot_id for m in activity.members_added or [])
        if not added:
            return  # an installationUpdate (reference stored above) or someone else joining
        if place.scope is Scope.PERSONAL:
            if speaker.staff is not None and speaker.staff.language:
                set_language(speaker.staff.language)
            text = _(WELCOME) if speaker.staff is not None else _(UNKNOWN_PERSON)
            await self._send(context, [Say(text)])
        else:
            said = await self._channel_say(speaker.staff, lambda: Say(_(CHANNEL_WELCOME)))
            await self._send(context, [said])

    # ---- Personal chat -----------------------------------------------------------------------

    async def _converse(
        self,
        context: TurnContext,
        place: Where,
        speaker: Speaker,
        staff: StaffView,
        payload: Payload,
        key_suffix: str = "",
    ) -> list[Reply] | None:
        """Run the turn in the neutral runtime; None for a delivery Teams repeated."""
        activity = context.activity
        who = speaker.aad_object_id or speaker.user_id
        result = await self._app[CONVERSATIONS].handle(
            Inbound(
                platform="teams",
                conversation_key=f"teams:{place.tenant_id}:{who}{key_suffix}",
                message_id=activity.id or str(uuid.uuid4()),
                actor_id=staff.id,
                payload=payload,
                received_at=self._app[CLOCK](),
                locale=activity.locale or "",  # "cy-GB": Welsh for whoever has not chosen
            )
        )
        return None if result.duplicate else list(result.replies)

    async def _settle_card(
        self, context: TurnContext, payload: Payload, data: dict[str, Any], replies: list[Reply]
    ) -> list[Reply]:
        """After a card is used, change it so it cannot be sent twice: back to the same form
        with its errors and typed values, or to a read-only note."""
        card, rest = _after_use(payload, data, replies)
        if card is not None and await _update_card(context, card):
            return rest
        return replies  # not updated: a form with errors is posted afresh instead

    # ---- Channels ----------------------------------------------------------------------------

    async def _in_channel(
        self,
        context: TurnContext,
        place: Where,
        speaker: Speaker,
        staff: StaffView,
        payload: Payload,
    ) -> None:
        if not isinstance(payload, Text):
            return  # channel cards carry no buttons; anything else is stale
        words = payload.text.lower().strip(" .!?")

        async def post(render: Callable[[], Say]) -> None:
            await self._send(context, [await self._channel_say(staff, render)])

        if place.scope is Scope.GROUP_CHAT or words in _HELP_WORDS:
            await post(lambda: Say(_(CHANNEL_HELP)))
            return
        async with session_scope(self._engine) as session:
            managed = await SqlDirectory(session).teams_managed_by(staff.id)
            linked = await SqlReferences(session).team_for_channel(
                [place.channel_id, place.team_id]
            )
            if words in _LINK_WORDS:
                reply = await _link(session, context.activity, place, staff, managed)
                await post(reply)
                return
        if not _TEAM_VIEW_WORDS & set(words.split()):
            await post(lambda: Say(_(CHANNEL_HELP)))
            return
        if linked is None:
            not_linked = _(
                "This channel isn't linked to a team yet: its manager can @mention me with *link*."
            )
            await post(lambda: Say(not_linked, Tone.WARNING))
            return
        if linked.id not in {t.id for t in managed}:
            await post(
                lambda: Say(
                    _("Team views here are for {team}'s manager.").format(team=linked.name),
                    Tone.WARNING,
                )
            )
            return
        if len(managed) > 1:
            # The team view covers every team someone manages; only this team's belongs here.
            await post(
                lambda: Say(
                    _(
                        "You manage more than one team, so I'll show team views in our personal "
                        "chat rather than here."
                    ),
                    Tone.WARNING,
                )
            )
            return
        replies = await self._converse(
            context,
            place,
            speaker,
            staff,
            Command("caseload", "team"),
            key_suffix=f":channel:{place.channel_id}",
        )
        if replies:
            await self._send(context, replies, channel=True)

    async def _channel_say(self, staff: StaffView | None, render: Callable[[], Say]) -> Say:
        """`render()` in the council's channel languages: Welsh, then English, in one post where
        the pack asks for both (Welsh Language Standards: Welsh first); else its default.
        Nobody known: the language of the Teams client that sent the activity."""
        if staff is None:
            return render()
        async with self._app[CONVERSATIONS].dialogs.unit_of_work() as ports:
            pack = ports.packs.for_organisation(staff.organisation_id)
        languages = channel_languages(pack.language.default, pack.language.bilingual_channels)
        said = in_each(render, languages)
        return Say("\n\n".join(dict.fromkeys(s.text for s in said)), said[0].tone)

    # ---- Sending -----------------------------------------------------------------------------

    async def _send(
        self, context: TurnContext, replies: Sequence[Reply], *, channel: bool = False
    ) -> None:
        """Replies into the conversation the activity came from; files by consent card."""
        activity = context.activity
        found = await files.activities(
            self._engine,
            replies,
            now=self._app[CLOCK](),
            conversation_id=activity.conversation.id if activity.conversation else "",
            user_id=activity.from_property.id if activity.from_property else "",
            personal=_where(activity).scope is Scope.PERSONAL,
            channel=channel,
        )
        if found:
            await context.send_activities([Activity.model_validate(a) for a in found])

    # ---- Identity ----------------------------------------------------------------------------

    async def _speaker(self, context: TurnContext, place: Where, *, lookup: bool = True) -> Speaker:
        """Identify the sender and refresh the conversation reference, in one transaction."""
        activity = context.activity
        account = activity.from_property
        user_id = account.id if account and account.id else ""
        aad = (account.aad_object_id or "") if account else ""

        async def member() -> Member | None:
            client = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
            if not lookup or not user_id or not isinstance(client, TeamsConnectorClient):
                return None
            try:
                found = await client.get_conversation_member(
                    place.team_id or place.conversation_id, user_id
                )
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                log.warning("Teams member lookup failed: %s", type(exc).__name__)
                return None
            return Member(found.email or "", found.user_principal_name or "")

        known_as = ("teams", aad.lower())
        async with session_scope(self._engine) as session:
            staff = self._people.get(known_as) if aad else None  # bot.known
            if staff is None and user_id:
                staff = await identify(session, aad, member)
                if staff is not None and aad:
                    self._people.put(known_as, staff)
            await remember(
                session,
                activity,
                place,
                staff_id=staff.id if staff else None,
                recent=self._recent,
            )
            seen = parse_language(activity.locale)
            if staff is not None and seen is not None and seen != staff.client_language:
                # Issue 28: their client's language, for what is sent to them outside a
                # conversation (a notice, a reminder) while they have not chosen one.
                await (await session.connection()).execute(
                    update(Staff).where(col(Staff.id) == staff.id).values(client_language=seen)
                )
                staff = replace(staff, client_language=seen)
                if aad:
                    self._people.put(known_as, staff)
        return Speaker(user_id, aad.lower(), staff)


# ---- Helpers ---------------------------------------------------------------------------------


def _where(activity: Activity) -> Where:
    conversation = (
        activity.conversation.model_dump(mode="json", by_alias=True, exclude_none=True)
        if activity.conversation
        else {}
    )
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else None
    return inbound.where(conversation, channel_data)


async def _link(
    session: Any,
    activity: Activity,
    place: Where,
    staff: StaffView,
    managed: Sequence[Any],
) -> Callable[[], Say]:
    """Link the channel to the manager's team; what to post, to render in the channel's
    languages."""
    if len(managed) != 1:
        return lambda: Say(
            _("Only a team manager can link a channel.")
            if not managed
            else _("You manage more than one team; ask your admin to set each team's channel."),
            Tone.WARNING,
        )
    team = managed[0]
    await SqlReferences(session).link_team_channel(team.id, place.channel_id)
    await remember(session, activity, place)
    log.info("Teams channel linked to team %s by staff %s", team.id, staff.id)
    return lambda: Say(
        _("Done: {team}'s weekly supervision digest will be posted in this channel.").format(
            team=team.name
        ),
        Tone.SUCCESS,
    )


def _after_use(
    payload: Payload, data: dict[str, Any], replies: list[Reply]
) -> tuple[dict[str, Any] | None, list[Reply]]:
    """The card that replaces a used one (None: leave it as it is) and the replies still to post."""
    if any(isinstance(r, Say) and r.tone is Tone.ERROR for r in replies):
        return None, replies  # the turn failed and nothing was saved: the card stays usable
    retry = _same_form_again(payload, replies)
    if retry is not None:
        return render.form_card(retry), [r for r in replies if r is not retry]
    return _settled_card(payload, data), replies


def _same_form_again(payload: Payload, replies: Sequence[Reply]) -> AskForm | None:
    if not isinstance(payload, FormSubmit):
        return None
    return next(
        (
            r
            for r in replies
            if isinstance(r, AskForm) and r.form_id == payload.form_id and r.has_errors
        ),
        None,
    )


def _settled_card(payload: Payload, data: dict[str, Any]) -> dict[str, Any] | None:
    """The read-only card that replaces a used one, or None to leave it (a summary's buttons)."""
    title = str(data.get(render.FORM_TITLE) or "")
    if isinstance(payload, FormSubmit):
        return render.done_card(title or _("Form"), _(_DONE))
    if isinstance(payload, Text) and title:
        return render.done_card(title, _(_CANCELLED))
    if isinstance(payload, Choice) and render.PROMPT in data:
        label = str(data.get(render.CHOICE_LABEL) or payload.value)
        return render.done_card(
            str(data[render.PROMPT]), _("You chose: {label}").format(label=label)
        )
    return None


async def _update_card(context: TurnContext, card: dict[str, Any]) -> bool:
    """Replace the card a submission came from (PUT .../activities/{replyToId})."""
    activity = context.activity
    update = Activity.model_validate(
        {
            "type": "message",
            "id": activity.reply_to_id,
            "attachments": [{"contentType": render.CARD_TYPE, "content": card}],
        }
    )
    try:
        await context.update_activity(update)
    except (TimeoutError, aiohttp.ClientError, ValueError, TypeError) as exc:
        log.warning("could not update a Teams card: %s", type(exc).__name__)
        return False
    return True


async def _answer_invoke(context: TurnContext, body: dict[str, Any] | None) -> None:
    await context.send_activity(
        Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body))
    )
