"""The playground page's own words (issue 28 item 3), in the language of the person it acts as.

The page asks for them (`GET /playground/api/words/{staff_id}`) when a person is chosen and again
when their language changes ("Cymraeg" / "English" typed in the conversation), and puts each in
the element marked `data-words="key"` (or uses it in the scripts). `{name}` placeholders are
filled in the browser. English is the message itself, so a page whose words have not arrived yet
reads as it always did.
"""

from __future__ import annotations

from dialogs.i18n import N_, _

WORDS = {
    # index.html
    "page_title": N_("Playground: Supervision Assistant"),
    "skip": N_("Skip to the conversation"),
    "tag": N_("playground"),
    "about": N_(
        "A made-up council with demo data only. You talk to the same conversations that Slack "
        "and Microsoft Teams use; nothing here leaves this computer."
    ),
    "who_heading": N_("Who are you?"),
    "person_label": N_("Talk to the bot as"),
    "person_help": N_(
        "Pick one of the demo people, or anyone else on the staff list. Each person has their "
        "own conversation and inbox."
    ),
    "conversation": N_("Conversation"),
    "message_label": N_("Message"),
    "message_help": N_('For example "what\'s my caseload score", "book", "help" or "cancel".'),
    "send": N_("Send"),
    "start_heading": N_("Start a conversation"),
    "inbox": N_("Inbox"),
    "inbox_refresh": N_("Refresh inbox"),
    "inbox_help": N_(
        "What the bot sent this person without being asked: bookings, records to sign, reminders."
    ),
    "channels": N_("Channels"),
    "channels_help": N_(
        "What the scheduler posts: weekly digests in each team's channel, and reminders and "
        "escalations to people."
    ),
    "demo_time": N_("Demo time:"),
    "clock_group": N_("Move the demo clock forward"),
    "forward_day": N_("Forward 1 day"),
    "forward_week": N_("Forward 1 week"),
    "show": N_("Show"),
    "everything": N_("Everything"),
    "digests": N_("Weekly digests"),
    "reminders": N_("Reminders and escalations"),
    # playground.js
    "you_are": N_("You are {name}. Type a message, or start a conversation below."),
    "bot": N_("Supervision Assistant"),
    "no_answer": N_("(no answer)"),
    "send_failed": N_("The playground could not send that: {error}"),
    "conversation_as": N_("Conversation as {name}"),
    "inbox_of": N_("Inbox of {name}"),
    "kind_digest": N_("Weekly digest"),
    "kind_reminder": N_("Reminder"),
    "kind_escalation": N_("Escalation"),
    "kind_notice": N_("Message"),
    "nothing_yet": N_("Nothing yet."),
    "post_to": N_("{kind} to {to}, {when}"),
    "status_planned": N_("planned for {when}"),
    "status_due": N_("due for {when}"),
    "status_sending": N_("sending for {when}"),
    "status_failed": N_("failed for {when}"),
    "status_posted": N_("posted {when}"),
    "due_then_posted": N_("due {due}, posted {sent}"),
    "nothing_planned": N_("Nothing planned yet: move the clock forward."),
    "moving": N_("Moving the clock forward…"),
    "moved": N_("Now {when}: {planned} new messages planned, {delivered} delivered."),
    "clock_failed": N_("The clock did not move: {error}"),
    "demo_people": N_("Demo people"),
    "everyone_else": N_("Everyone else"),
    "start_failed": N_("The playground could not start: {error}"),
    # render.js
    "download": N_("Download {file} ({type})"),
    "error": N_("Error: "),
    "choose_one": N_("Choose one"),
    "none": N_("None"),
    "date_hint": N_("e.g. today, 3/12/2026"),
    "datetime_hint": N_("e.g. tomorrow 2pm"),
    "problem": N_("There is a problem"),
    "save": N_("Save"),
    "sent": N_("Sent: {title}"),
}


def page_words() -> dict[str, str]:
    """Every word of the page in the current language."""
    return {key: _(english) for key, english in WORDS.items()}
