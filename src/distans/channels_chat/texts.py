"""The widget's texts in every language, from this app's gettext catalogue; served
inside widget.js so the page's language (or data-lang) picks one without a request."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

LANGUAGES = ("sv", "nb", "en")


def _texts() -> dict[str, str]:
    return {
        "open": _("Chat with us"),
        "title": _("Chat"),
        "close": _("Close the chat window"),
        "end": _("End chat"),
        "start": _("Start chat"),
        "name_label": _("Your name (optional)"),
        "message_label": _("Your message"),
        "send": _("Send"),
        "connecting": _("Connecting…"),
        "disconnected": _("The connection was lost. Reconnecting…"),
        "position": _("You are number {position} in the queue."),
        "wait": _("Estimated wait: about {minutes} min."),
        "wait_unknown": _("We cannot estimate the wait right now."),
        "accepted": _("{agent} has joined the chat."),
        "typing": _("{agent} is writing…"),
        "someone": _("The agent"),
        "you": _("You"),
        "ended": _("The chat has ended. Thank you!"),
        "closed": _(
            "The chat is closed right now. Leave a message and we will answer as soon as we can."
        ),
        "nobody": _(
            "Nobody can answer the chat right now. Leave a message and we will answer as soon as we can."
        ),
        "leave_title": _("Leave a message"),
        "email_label": _("E-mail"),
        "phone_label": _("Phone"),
        "leave_send": _("Send message"),
        "left": _("Thank you! Your case number is {case}."),
        "transcript": _("E-mail me the conversation"),
        "transcript_send": _("Send the conversation"),
        "transcript_sent": _("The conversation has been sent to your e-mail."),
        "err_too_long": _("The message is too long (at most {max} characters)."),
        "err_throttled": _("You are sending messages too fast. Wait a moment and send again."),
        "err_empty": _("Write a message first."),
        "err_ended": _("The chat has ended; the message was not sent."),
        "err_invalid": _("That did not work. Try again."),
        "err_invalid_text": _(
            "The message contains a character that cannot be sent. Remove it and try again."
        ),
        "err_not_started": _("Start the chat first."),
        "err_transcript": _("The conversation could not be sent. Check the e-mail address."),
        "err_bad_email": _("That is not an e-mail address."),
        "err_need_reply_address": _("Give an e-mail address or a phone number so we can answer."),
        "err_closed": _(
            "The chat is closed right now. Leave a message and we will answer as soon as we can."
        ),
        "err_nobody": _(
            "Nobody can answer the chat right now. Leave a message and we will answer as soon as we can."
        ),
        "sent_label": _("Sent"),
        "new_message": _("New message from {agent}"),
    }


def all_texts() -> dict[str, dict[str, str]]:
    result = {}
    for language in LANGUAGES:
        with translation.override(language):
            result[language] = _texts()
    return result
