"""Text normalisation for Swedish and Norwegian topic suggestion.

* :func:`normalise_text` folds case, Unicode form and the Norwegian/Danish letters
  onto their Swedish counterparts (æ→ä, ø→ö), so that one model serves both
  languages and "vaksine"/"vaccin" share character n-grams.
* :func:`light_stem` strips one common inflectional or derivational suffix, in the
  manner of the Snowball Swedish stemmer's step 1 (Porter, "Snowball: A language for
  stemming algorithms", 2001; https://snowballstem.org/algorithms/swedish/stemmer.html),
  extended with the Norwegian -asjon/-ene forms. It is used for keywords, where a stem
  is then matched anywhere inside a compound word.
"""

from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans({"æ": "ä", "ø": "ö", "é": "e", "è": "e", "ü": "y"})
_WORD = re.compile(r"[^\W\d_]+|\d+")

# Longest first, so that "-ationen" wins over "-en".
_SUFFIXES = sorted(
    [
        "ationerna",
        "ationer",
        "ationen",
        "ation",
        "asjonene",
        "asjonen",
        "asjoner",
        "asjon",
        "heterna",
        "heten",
        "heter",
        "het",
        "andet",
        "ande",
        "ende",
        "ernas",
        "arnas",
        "ornas",
        "erna",
        "arna",
        "orna",
        "ene",
        "ens",
        "ets",
        "ers",
        "ars",
        "ade",
        "ad",
        "ast",
        "aste",
        "are",
        "at",
        "er",
        "ar",
        "or",
        "en",
        "et",
        "na",
        "an",
        "a",
        "e",
        "s",
    ],
    key=len,
    reverse=True,
)
_MIN_STEM_CHARS = 4

STOPWORDS = frozenset(
    """
    och att det som en på är av för med till den har de inte om ett han men var jag
    sig från vi så kan man när år säga hon under också efter upp eller vad ni mig du
    då sin vid dem nu hur där skulle vill vara få får finns hade alla andra detta
    mot in ut hos bara ska kommer någon något några min mitt mina din ditt dina vår
    vårt era er oss dig hans hennes deras blir bli blev varför vilka vilken vilket
    eller ja nej hej tack kanske mycket mer än också även sedan
    og at det som en på er av for med til den har de ikke om et han men var jeg seg
    fra vi så kan man når år hun under også etter opp eller hva dere meg du da sin
    ved dem nå hvordan der skulle vil være få finnes hadde alle andre dette mot inn
    ut hos bare skal kommer noen noe min mitt mine din ditt dine vår vårt deres bli
    ble hvorfor hvilke hvilken hvilket ja nei hei takk kanskje mye mer enn også
    """.translate(_FOLD).split()
)


def normalise_text(text: str) -> str:
    """Return ``text`` in NFC, lower case, with æ/ø folded to ä/ö and é/è to e."""
    return unicodedata.normalize("NFC", text).lower().translate(_FOLD)


def words(text: str) -> list[str]:
    """Split already-normalised text into words (runs of letters, or of digits)."""
    return _WORD.findall(text)


def light_stem(word: str) -> str:
    """Strip the longest listed suffix, keeping at least four characters of stem."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM_CHARS:
            return word[: -len(suffix)]
    return word


def stemmed_text(text: str) -> str:
    """Normalise, drop stopwords and light-stem every word; words joined by spaces."""
    return " ".join(light_stem(w) for w in words(normalise_text(text)) if w not in STOPWORDS)
