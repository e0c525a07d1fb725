"""Turning bytes of unknown or lying charsets into valid text.

Mail declares a charset, often wrongly; headers sometimes carry raw 8-bit bytes
(RFC 6532 allows UTF-8; older Nordic mail programs sent ISO-8859-1). The rule: the
declared charset if Python knows it and it decodes cleanly, else UTF-8 if it decodes
cleanly, else Windows-1252 (a superset of ISO-8859-1) with replacement characters.
Results never contain lone surrogates, so they can be stored and encoded as UTF-8.
"""

from __future__ import annotations

import codecs


def known_charset(charset: str | None) -> bool:
    """True when Python has a codec for ``charset``."""
    if not charset:
        return False
    try:
        codecs.lookup(charset)
    except LookupError:
        return False
    return True


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, bool]:
    """Decode ``data``; return the text and whether it decoded cleanly as declared."""
    if charset is not None and known_charset(charset):
        try:
            return data.decode(charset), True
        except (UnicodeDecodeError, ValueError):
            pass
    try:
        return data.decode("utf-8"), charset is None or charset.lower() in ("utf-8", "us-ascii")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), False


def clean_text(text: str) -> tuple[str, bool]:
    """Replace surrogate-escaped raw bytes in ``text`` (as ``email`` leaves them) and
    drop NUL characters (PostgreSQL text cannot hold them).

    Returns the text and True when it held raw 8-bit bytes.
    """
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", errors="surrogateescape")
        except UnicodeEncodeError:
            raw = text.encode("utf-8", errors="replace")
        decoded, _ = decode_bytes(raw, None)
        # anything still unencodable (lone surrogates from elsewhere) becomes U+FFFD
        return decoded.encode("utf-8", errors="replace").decode("utf-8"), True
    return text, False
