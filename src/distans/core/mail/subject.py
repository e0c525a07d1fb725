"""Subject lines: reply/forward prefixes, the base subject used for threading.

The base subject follows RFC 5256 §2.1 ("base subject": strip ``Re:``, ``Fwd:``,
``Re[2]:`` and ``[list]`` prefixes, collapse white space) as implemented by MailKit's
``MessageThreader.GetThreadableSubject``, extended with the reply and forward prefixes
that Nordic and German mail programs write (Outlook localises them):

* reply: ``Re`` (Latin), ``SV`` (Swedish/Norwegian/Danish *svar*), ``AW`` (German
  *Antwort*), ``VS`` (Finnish *vastaus*), ``Antw`` (Dutch);
* forward: ``Fwd``/``Fw``, ``VB`` (Swedish *vidarebefordrat*), ``VS`` (Norwegian
  *videresendt*), ``WG`` (German *weitergeleitet*), ``VL`` (Finnish *välitetty*).
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: Prefix words recognised before a colon (case-insensitive). "VS" is a reply in
#: Finnish and a forward in Norwegian; for threading both mean "not the first".
DEFAULT_PREFIX_WORDS: tuple[str, ...] = (
    "re",
    "fwd",
    "fw",
    "sv",
    "vs",
    "vb",
    "aw",
    "wg",
    "vl",
    "antw",
)

_WHITESPACE = re.compile(r"\s+")


def _prefix_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    # "Re:", "Re :", "Re[2]:", "Re(2):" and, MailKit-style, a "[list-name]" tag.
    return re.compile(
        rf"^\s*(?:(?P<word>{alternatives})\s*(?:[\[(](?P<count>\d+)[\])])?\s*:"
        r"|\[(?P<list>[^\W_][\w-]*)\])",
        re.IGNORECASE,
    )


_DEFAULT_PREFIX = _prefix_pattern(DEFAULT_PREFIX_WORDS)


class BaseSubject(NamedTuple):
    """A subject without its prefixes, and how many reply/forward prefixes it had."""

    text: str
    reply_depth: int

    @property
    def is_reply(self) -> bool:
        """True when the subject carried at least one reply or forward prefix."""
        return self.reply_depth > 0


def base_subject(subject: str, prefix_words: tuple[str, ...] | None = None) -> BaseSubject:
    """Strip reply/forward/list prefixes (RFC 5256 §2.1) and collapse white space.

    ``"Re: SV: AW[2]: Hello  world"`` gives ``BaseSubject("Hello world", 4)``; a
    ``[list]`` tag is removed without counting as a reply. ``"(no subject)"`` gives an
    empty text, as in MailKit.
    """
    pattern = _DEFAULT_PREFIX if prefix_words is None else _prefix_pattern(prefix_words)
    depth = 0
    rest = subject
    while True:
        match = pattern.match(rest)
        if match is None:
            break
        if match.group("word") is not None:
            count = match.group("count")
            depth += int(count) if count is not None else 1
        rest = rest[match.end() :]
    text = _WHITESPACE.sub(" ", rest).strip()
    if text.lower() == "(no subject)":
        text = ""
    return BaseSubject(text, depth)


def reply_subject(subject: str, prefix: str = "Re: ") -> str:
    """The subject of a reply: one ``prefix`` in front of the base subject, never stacked.

    ``"SV: Re: Fråga"`` gives ``"Re: Fråga"``; list tags are dropped with the prefixes.
    """
    stripped = base_subject(subject).text
    return f"{prefix}{stripped}" if stripped else prefix.strip()
