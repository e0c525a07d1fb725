"""Demo wrap-up topics, canned answers and knowledge articles (idempotent)."""

from __future__ import annotations

from distans.accounts.models import Organisation
from distans.demo.data import DEMO_LOADERS
from distans.desk.models import Article, CannedAnswer, TopicChoice

TOPICS = [
    "Bygglov",
    "Corona",
    "Förskola",
    "Skolskjuts",
    "Avfall och återvinning",
    "Felanmälan",
    "Övrigt",
]
CANNED = [
    (
        "Tack för ditt meddelande",
        "Hej!\n\nTack för ditt meddelande. Vi återkommer inom två arbetsdagar.\n\nVänliga hälsningar\nKontaktcenter, Västerby kommun",
    ),
    (
        "Öppettider",
        "Kontaktcenter har öppet vardagar 08.00–16.30. Lunchstängt 12.00–12.30 på fredagar.",
    ),
    (
        "Bygglov – handlingar",
        "Till en bygglovsansökan behöver du situationsplan, fasadritningar och planritning. Ansök via e-tjänsten på kommunens webbplats.",
    ),
]
ARTICLES = [
    (
        "Corona: besök på äldreboenden",
        "Corona",
        "Besök är tillåtna utomhus. Besökare ska vara symtomfria och hålla avstånd. Gäller tills vidare; uppdateras när Folkhälsomyndigheten ändrar rekommendationerna.",
    ),
    (
        "Bygglov för altan",
        "Bygglov",
        "Altan lägre än 1,2 m och minst 4,5 m från tomtgräns kräver inget bygglov. Annars: ansök om bygglov via e-tjänsten.",
    ),
    (
        "Skolskjuts: vem har rätt?",
        "Skolskjuts",
        "Elever i F–3 med mer än 2 km till skolan, 4–6 mer än 3 km och 7–9 mer än 4 km har rätt till skolskjuts.",
    ),
]


def load_desk_demo(organisation: Organisation) -> None:
    for name in TOPICS:
        TopicChoice.objects.get_or_create(organisation=organisation, name=name)
    for title, body in CANNED:
        CannedAnswer.objects.get_or_create(
            organisation=organisation, title=title, defaults={"body": body}
        )
    for title, topic, body in ARTICLES:
        Article.objects.get_or_create(
            organisation=organisation, title=title, defaults={"topic": topic, "body": body}
        )


DEMO_LOADERS.append(load_desk_demo)
