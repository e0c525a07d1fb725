"""The waiting caller's audio, made at setup time: speech with espeak-ng, music with sox,
all 8 kHz mono 16-bit WAV (what rtpengine plays to a telephone codec).

An organisation replaces any file with its own recording of the same name (8 kHz mono
WAV): ``distans telephony config`` keeps existing files unless asked to remake them."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

LANGUAGES = {"sv": "sv", "nb": "nb", "en": "en-gb"}  # ours -> espeak-ng voice

TEXTS = {
    "greeting": {
        "sv": "Välkommen. Alla våra handläggare är upptagna just nu. Ditt samtal är placerat i kö "
        "och du kopplas till nästa lediga handläggare.",
        "nb": "Velkommen. Alle våre saksbehandlere er opptatt akkurat nå. Samtalen din er satt i kø, "
        "og du blir satt over til neste ledige saksbehandler.",
        "en": "Welcome. All our agents are busy right now. Your call is in the queue and you will "
        "be connected to the next available agent.",
    },
    "closed": {
        "sv": "Välkommen. Vi har stängt just nu. Välkommen att ringa igen under våra öppettider.",
        "nb": "Velkommen. Vi har stengt nå. Velkommen til å ringe igjen i åpningstiden vår.",
        "en": "Welcome. We are closed right now. Please call again during our opening hours.",
    },
    "callback": {
        "sv": "Tack. Du behåller din plats i kön och vi ringer upp dig. Hej då.",
        "nb": "Takk. Du beholder plassen din i køen, og vi ringer deg opp. Ha det.",
        "en": "Thank you. You keep your place in the queue and we will call you back. Goodbye.",
    },
    "place": {
        "sv": "Du är nummer {n} i kön.",
        "nb": "Du er nummer {n} i køen.",
        "en": "You are number {n} in the queue.",
    },
    "wait": {
        "sv": "Beräknad väntetid är ungefär {n} minuter.",
        "nb": "Beregnet ventetid er omtrent {n} minutter.",
        "en": "The estimated waiting time is about {n} minutes.",
    },
    "wait-1": {
        "sv": "Beräknad väntetid är ungefär en minut.",
        "nb": "Beregnet ventetid er omtrent ett minutt.",
        "en": "The estimated waiting time is about one minute.",
    },
}
PLACES = 20  # "you are number 1 … 20 in the queue"; further back, no number is said
# "the estimated wait is about N minutes", rounded up to one of these; longer: not said
WAIT_MINUTES = (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 25, 30)


def wait_minutes(seconds: float | None) -> int | None:
    """The minutes said for an estimated wait of ``seconds`` (None: nothing is said)."""
    if seconds is None or seconds < 0:
        return None
    for minutes in WAIT_MINUTES:
        if seconds <= minutes * 60:
            return minutes
    return None


def available() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("sox"))


def _speak(text: str, language: str, target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(
            ["espeak-ng", "-v", LANGUAGES[language], "-s", "150", "-w", str(raw), text],
            check=True,
            capture_output=True,
        )
        _telephone(raw, target)


def _telephone(source: Path, target: Path, *extra: str) -> None:
    subprocess.run(
        ["sox", str(source), "-r", "8000", "-c", "1", "-b", "16", str(target), *extra],
        check=True,
        capture_output=True,
    )


def _music(target: Path, seconds: int = 24) -> None:
    """A calm, royalty-free loop: arpeggiated chords (C, Am, F, G), made by sox."""
    chords = [("C4", "E4", "G4"), ("A3", "C4", "E4"), ("F3", "A3", "C4"), ("G3", "B3", "D4")]
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for n in range(seconds // 2):
            low, mid, high = chords[n % len(chords)]
            for i, note in enumerate((low, mid, high, mid)):
                part = Path(tmp) / f"{n:03d}-{i}.wav"
                subprocess.run(
                    [
                        "sox",
                        "-n",
                        "-r",
                        "8000",
                        "-c",
                        "1",
                        "-b",
                        "16",
                        str(part),
                        "synth",
                        "0.5",
                        "pluck",
                        f"%{_semitones(note)}",
                        "vol",
                        "0.5",
                    ],
                    check=True,
                    capture_output=True,
                )
                parts.append(str(part))
        subprocess.run(["sox", *parts, str(target)], check=True, capture_output=True)


def _semitones(note: str) -> int:
    """Semitones from A4 (sox's %N notation)."""
    names = {"C": -9, "D": -7, "E": -5, "F": -4, "G": -2, "A": 0, "B": 2}
    return names[note[0]] + (int(note[-1]) - 4) * 12


def make(
    directory: Path, languages: list[str] | None = None, *, remake: bool = False
) -> list[Path]:
    """Make what is missing (or everything, with ``remake``); returns the files made."""
    made: list[Path] = []
    music = directory / "music.wav"
    if remake or not music.exists():
        directory.mkdir(parents=True, exist_ok=True)
        _music(music)
        made.append(music)
    for language in languages or list(LANGUAGES):
        folder = directory / language
        folder.mkdir(parents=True, exist_ok=True)
        for kind in ("greeting", "closed", "callback"):
            target = folder / f"{kind}.wav"
            if remake or not target.exists():
                _speak(TEXTS[kind][language], language, target)
                made.append(target)
        for n in range(1, PLACES + 1):
            target = folder / f"place-{n}.wav"
            if remake or not target.exists():
                _speak(TEXTS["place"][language].format(n=n), language, target)
                made.append(target)
        for n in WAIT_MINUTES:
            target = folder / f"wait-{n}.wav"
            if remake or not target.exists():
                text = TEXTS["wait-1" if n == 1 else "wait"][language].format(n=n)
                _speak(text, language, target)
                made.append(target)
    return made


def waiting_file(
    directory: Path,
    language: str,
    kind: str,
    position: int,
    call_id: str,
    wait_seconds: float | None = None,
) -> Path:
    """One file per waiting call: greeting, the caller's place, the estimated wait (in
    minutes, when known), then music (a while); rtpengine repeats it. The closed
    message is played alone."""
    folder = directory / (language if (directory / language).exists() else "sv")
    calls = directory / "calls"
    calls.mkdir(exist_ok=True)
    target = calls / f"{call_id}.wav"
    if kind == "closed":
        shutil.copyfile(folder / "closed.wav", target)
        return target
    parts = [folder / "greeting.wav"]
    if 1 <= position <= PLACES:
        parts.append(folder / f"place-{position}.wav")
    minutes = wait_minutes(wait_seconds)
    if minutes is not None and (folder / f"wait-{minutes}.wav").exists():
        parts.append(folder / f"wait-{minutes}.wav")
    parts += [directory / "music.wav"] * 5
    subprocess.run(["sox", *map(str, parts), str(target)], check=True, capture_output=True)
    return target
