"""The demo organisation's chat widget (queue "allmant"), embedded on /chat/demo/."""

from __future__ import annotations

from distans.accounts.models import Organisation
from distans.channels_chat.models import ChatWidget
from distans.demo.data import DEMO_LOADERS
from distans.routing.models import Queue

GREETINGS = {
    "sv": "Hej! Välkommen till Västerby kommuns chatt. Skriv din fråga så svarar en handläggare.",
    "nb": "Hei! Velkommen til chatten til Västerby kommune. Skriv spørsmålet ditt, så svarer en saksbehandler.",
    "en": "Hello! Welcome to Västerby municipality's chat. Write your question and an officer will answer.",
}
TOPICS = [
    "Skola och förskola",
    "Bygglov",
    "Corona",
    "Avfall och återvinning",
    "Parkering",
    "Övrigt",
]
ORIGINS = ["http://127.0.0.1:8000", "http://localhost:8000"]


def load_chat_demo(organisation: Organisation) -> None:
    from distans.routing.demo import load_routing_demo

    load_routing_demo(organisation)  # idempotent; the queue must exist whatever the loader order
    queue = Queue.objects.for_org(organisation).get(code="allmant")
    if not ChatWidget.objects.for_org(organisation).filter(name="Västerby.se").exists():
        from distans.setup.actions import do_create_chat_widget

        do_create_chat_widget(organisation, None, queue, "Västerby.se", ORIGINS, GREETINGS, TOPICS)


DEMO_LOADERS.append(load_chat_demo)
