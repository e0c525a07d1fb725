"""Every message in the Swedish catalogues is translated: the shared one
(src/distans/locale) and each app's own (src/distans/<app>/locale). An empty msgstr
shows English on a Swedish page; a fuzzy one (`make install` compiles with
--use-fuzzy) shows a guess made by msgmerge for another message. Norwegian Bokmål is
held to the same rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "distans"
CATALOGUES = sorted(PACKAGE.glob("**/locale/*/LC_MESSAGES/django.po"))


def _problems(path: Path) -> list[str]:
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif not all(strings):
            problems.append(f"untranslated: {msgid!r}")
    return problems


def test_every_catalogue_is_found() -> None:
    languages = {p.parents[1].name for p in CATALOGUES}
    assert {"sv", "nb", "en"} <= languages
    assert (PACKAGE / "locale" / "sv" / "LC_MESSAGES" / "django.po") in CATALOGUES


@pytest.mark.parametrize(
    "path",
    [p for p in CATALOGUES if p.parents[1].name in ("sv", "nb")],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_swedish_and_norwegian_catalogues_have_no_untranslated_message(path: Path) -> None:
    problems = _problems(path)
    assert problems == [], "\n".join(problems)


def _extract_swedish(copy: Path) -> dict[Path, Path]:
    """Re-extract every catalogue of a copy of the package (as
    scripts/update_messages.py does, Swedish only); returns {real .po: fresh .po}."""
    import os
    import shutil
    import subprocess
    import sys

    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    command = [sys.executable, "-m", "django", "makemessages", "-l", "sv", "--no-location",
               "--no-obsolete", "-i", "migrations/*"]  # fmt: skip
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "distans.config.settings"}
    own = [p.parent for p in copy.glob("*/locale") if p.parent != copy]
    ignores = [arg for app in own for arg in ("-i", f"{app.name}/*")]
    shared = [*command, "-i", "core/*", "-i", "templates/admin/*", *ignores]  # as the script
    runs = [(app, command) for app in own] + [(copy, shared)]
    pairs = {}
    for where, args in runs:
        subprocess.run(args, cwd=where, env=env, check=True, capture_output=True)
        fresh = where / "locale" / "sv" / "LC_MESSAGES" / "django.po"
        pairs[PACKAGE / fresh.relative_to(copy)] = fresh
    return pairs


def test_every_message_in_the_code_is_in_the_swedish_catalogues(tmp_path: Path) -> None:
    """A string marked for translation in code or templates but never extracted into
    its catalogue shows in English on a Swedish page."""
    import shutil

    from tests.conftest import require_service

    require_service("gettext", shutil.which("xgettext") is not None, "xgettext not found")
    missing = []
    for real, fresh in _extract_swedish(tmp_path / "distans").items():
        with real.open("rb") as handle:
            known = {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(handle)}
        with fresh.open("rb") as handle:
            for message in read_po(handle):
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                if msgid and (msgid not in known or not known[msgid].string):
                    missing.append(f"{real.relative_to(PACKAGE)}: {msgid!r}")
    assert missing == [], "\n".join(missing)
