"""HTML mail: a safe fragment for display and a plain-text rendering.

Sanitising uses nh3 (Rust ``ammonia``, an allow-list HTML5 sanitiser) with a strict
allow-list: no scripts, styles, forms, frames or event handlers; links keep only
http/https/mailto and get ``rel="noopener noreferrer nofollow"``; images keep only
``cid:`` sources (parts of the same message) unless remote images are allowed, so a
tracking pixel cannot tell the sender when the agent opened the mail (remote ``src``
values are replaced by ``blocked_image_src`` and counted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del",
        "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
        "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong",
        "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "abbr": {"title"},
}
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto", "cid"})
CLEAN_CONTENT_TAGS: frozenset[str] = frozenset(
    {"script", "style", "head", "title", "noscript", "template", "iframe", "object"}
)


@dataclass(frozen=True)
class SanitisedHtml:
    """A display-safe HTML fragment and how many remote images were blocked."""

    html: str
    remote_images_blocked: int


def sanitise_html(
    html: str, *, allow_remote_images: bool = False, blocked_image_src: str = ""
) -> SanitisedHtml:
    """Clean ``html`` with nh3 and the allow-lists above (see the module docstring)."""
    blocked = 0

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        nonlocal blocked
        if tag == "img" and attribute == "src":
            if value.lower().startswith("cid:"):
                return value
            if allow_remote_images and value.lower().startswith(("https:", "http:")):
                return value
            blocked += 1
            return blocked_image_src or None
        if tag == "a" and attribute == "href" and value.lower().startswith("cid:"):
            return None
        return value

    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return SanitisedHtml(cleaned, blocked)


_BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "tr", "li", "ul", "ol", "table", "blockquote", "pre", "hr",
        "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "section", "article",
        "header", "footer",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip_depth = 0
        self._pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag == "pre":
            self._pre_depth += 1
        if tag in _BLOCK_TAGS:
            self.chunks.append("\n")
        if tag == "li":
            self.chunks.append("- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "pre":
            self._pre_depth = max(0, self._pre_depth - 1)
        if tag in _BLOCK_TAGS and tag != "li":
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._pre_depth:
            self.chunks.append(data)
            return
        text = re.sub(r"\s+", " ", data)
        last = next((chunk for chunk in reversed(self.chunks) if chunk), "\n")
        if last.endswith(("\n", "- ")):
            text = text.lstrip()
        self.chunks.append(text)


def html_to_text(html: str) -> str:
    """Readable plain text from HTML: block elements become line breaks, list items
    get ``- ``, scripts/styles vanish, entities are decoded, white space collapses
    (``<pre>`` keeps it), runs of blank lines shrink to one."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = [line.rstrip() for line in "".join(extractor.chunks).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
