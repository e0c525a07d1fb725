"""The demo's directory: about 200 people of Västerby kommun in its departments, plus
the contact center's own staff, imported through the same CSV action an
administrator's upload calls. Names are generated deterministically."""

from __future__ import annotations

import csv
import io
import random

from distans.accounts.models import Organisation, Person
from distans.demo.data import DEMO_DOMAIN, DEMO_LOADERS

FIRST = [
    "Anders",
    "Anna",
    "Birgitta",
    "Bo",
    "Camilla",
    "Daniel",
    "Emma",
    "Eva",
    "Fredrik",
    "Hanna",
    "Helena",
    "Henrik",
    "Ida",
    "Jakob",
    "Jonas",
    "Karin",
    "Kristina",
    "Lena",
    "Linnea",
    "Magnus",
    "Maria",
    "Mats",
    "Mohammed",
    "Nils",
    "Olof",
    "Per",
    "Petra",
    "Rebecka",
    "Sanna",
    "Stefan",
    "Susanne",
    "Thomas",
    "Ulla",
    "Viktor",
    "Åsa",
    "Öjvind",
    "Amir",
    "Leila",
    "Tove",
    "Gunnar",
]
LAST = [
    "Andersson",
    "Bergström",
    "Dahl",
    "Eriksson",
    "Forsberg",
    "Gustafsson",
    "Hedlund",
    "Isaksson",
    "Jansson",
    "Karlsson",
    "Lindberg",
    "Lundqvist",
    "Magnusson",
    "Nordin",
    "Olsson",
    "Pettersson",
    "Sandberg",
    "Sjöberg",
    "Strand",
    "Svensson",
    "Wallin",
    "Åberg",
    "Öberg",
    "Nyström",
    "Holmgren",
    "Berglund",
    "Hussein",
    "Sundberg",
    "Mattsson",
    "Lindgren",
]

# department → (e-mail stem, [(role, keywords)])
DEPARTMENTS = {
    "Kommunledningskontoret": (
        "klk",
        [
            ("Kommundirektör", "ledning"),
            ("Kanslichef", "nämnder protokoll"),
            ("Nämndsekreterare", "protokoll diarium"),
            ("Kommunikatör", "press webb"),
            ("HR-konsult", "anställning lön"),
            ("Löneadministratör", "lön semester"),
        ],
    ),
    "Barn- och utbildningsförvaltningen": (
        "bou",
        [
            ("Rektor", "skola"),
            ("Förskolechef", "förskola barnomsorg"),
            ("Skolskjutshandläggare", "skolskjuts"),
            ("Antagningshandläggare", "förskoleplats skolval"),
            ("Skolsköterska", "elevhälsa"),
        ],
    ),
    "Socialförvaltningen": (
        "soc",
        [
            ("Socialsekreterare", "ekonomiskt bistånd försörjningsstöd"),
            ("Socialsekreterare barn och unga", "orosanmälan barn"),
            ("Budget- och skuldrådgivare", "skuldsanering budget"),
            ("Familjerättssekreterare", "faderskap vårdnad"),
        ],
    ),
    "Vård- och omsorgsförvaltningen": (
        "vof",
        [
            ("Biståndshandläggare", "hemtjänst äldreboende"),
            ("Enhetschef hemtjänst", "hemtjänst"),
            ("LSS-handläggare", "lss assistans"),
            ("Färdtjänsthandläggare", "färdtjänst"),
        ],
    ),
    "Samhällsbyggnadsförvaltningen": (
        "sbf",
        [
            ("Bygglovshandläggare", "bygglov rivningslov"),
            ("Byggnadsinspektör", "slutbesked kontroll"),
            ("Planarkitekt", "detaljplan översiktsplan"),
            ("Lantmätare", "fastighetsbildning karta"),
        ],
    ),
    "Miljö- och hälsoskyddskontoret": (
        "miljo",
        [
            ("Miljöinspektör", "avlopp värmepump"),
            ("Livsmedelsinspektör", "livsmedel restaurang"),
            ("Hälsoskyddsinspektör", "buller mögel"),
        ],
    ),
    "Tekniska förvaltningen": (
        "tekn",
        [
            ("Gatuingenjör", "gata snöröjning parkering"),
            ("VA-ingenjör", "vatten avlopp läcka"),
            ("Renhållningssamordnare", "sophämtning återvinning"),
            ("Parkförvaltare", "park lekplats"),
        ],
    ),
    "Kultur- och fritidsförvaltningen": (
        "kof",
        [
            ("Bibliotekarie", "bibliotek lån"),
            ("Fritidsgårdsledare", "fritidsgård ungdom"),
            ("Bokningsansvarig", "idrottshall lokalbokning"),
        ],
    ),
    "Överförmyndarkontoret": ("of", [("Handläggare överförmyndare", "god man förvaltare")]),
}

DEMO_PEOPLE = 200
# The contact center's people who are not only agents: (title, keywords).
STAFF = {
    "supervisor": ("Arbetsledare kontaktcenter", "arbetsledning klagomål synpunkter"),
    "planner": ("Planerare kontaktcenter", "bemanning schema prognos"),
    "admin": ("Systemförvaltare kontaktcenter", "behörighet inloggning system"),
}


def _ascii(text: str) -> str:
    import unicodedata

    return "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isalnum() and c.isascii()
    )


def demo_directory_csv(
    count: int = DEMO_PEOPLE, seed: int = 19, domain: str = DEMO_DOMAIN
) -> bytes:
    """A CSV of ``count`` generated people (the same every time for one seed)."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["id", "namn", "titel", "avdelning", "nyckelord", "telefon", "mobil", "e-post"])
    names = list(DEPARTMENTS)
    used: set[str] = set()
    for number in range(count):
        department = names[number % len(names)]
        stem, roles = DEPARTMENTS[department]
        role, keywords = roles[(number // len(names)) % len(roles)]
        while True:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            local = f"{_ascii(first)}.{_ascii(last)}"
            if local not in used:
                used.add(local)
                break
        writer.writerow(
            [
                f"demo-{number:05d}",
                f"{first} {last}",
                role,
                department,
                keywords,
                f"+46555{20000 + number:05d}",
                f"+4670{rng.randint(1000000, 9999999)}",
                f"{local}@{domain}",
            ]
        )
    return out.getvalue().encode()


def staff_csv(organisation: Organisation) -> bytes:
    """The contact center's own people, so their routing presence shows beside everyone's."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["namn", "titel", "avdelning", "nyckelord", "telefon", "e-post"])
    for person in (
        Person.objects.for_org(organisation)
        .filter(email__endswith=f"@{DEMO_DOMAIN}")
        .order_by("email")
    ):
        title, keywords = STAFF.get(
            person.email.split("@")[0], ("Handläggare kontaktcenter", "växeln kundtjänst")
        )
        writer.writerow(
            [
                person.full_name,
                title,
                "Kontaktcenter",
                keywords,
                person.phone or "+4655510000",
                person.email,
            ]
        )
    return out.getvalue().encode()


def load_switchboard_demo(organisation: Organisation) -> None:
    from distans.switchboard.actions import do_import_directory_csv

    do_import_directory_csv(organisation.pk, None, demo_directory_csv())
    do_import_directory_csv(organisation.pk, None, staff_csv(organisation))


DEMO_LOADERS.append(load_switchboard_demo)
