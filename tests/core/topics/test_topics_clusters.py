"""New-cluster detection among uncategorised contacts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from distans.core.errors import InvalidInput
from distans.core.topics.clusters import ClusterDetector

START = datetime(2026, 3, 2, 8, tzinfo=UTC)

BACKGROUND = [
    "Hur ändrar jag min adress?",
    "Var hittar jag blanketten för hemtjänst?",
    "Når er biblioteket åpent?",
    "Jag vill klaga på snöröjningen",
    "Kan jag betala fakturan senare?",
    "Vem ansvarar för gatubelysningen?",
    "Hur anmäler jag ett hål i vägen?",
    "Vilka tider har återvinningscentralen?",
]

BURST = [
    "Mitt tåg till Oslo är inställt, får jag pengarna tillbaka?",
    "Inställt tåg till Oslo, hur får jag återbetalning?",
    "Tåget till Oslo ställdes in, vill ha pengarna tillbaka",
    "Toget til Oslo er innstilt, får jeg pengene tilbake?",
    "Ersättning för inställt tåg till Oslo?",
    "Inställda tåget mot Oslo – pengarna tillbaka?",
]


def test_growing_cluster_raises_one_alert_with_its_terms() -> None:
    # Given unrelated questions, then similar ones about a cancelled train to Oslo
    detector = ClusterDetector(min_members=5, similarity=0.3)
    at = START
    alerts = []
    for text in BACKGROUND + BURST:
        at += timedelta(minutes=10)
        alert = detector.add(text, at)
        if alert is not None:
            alerts.append(alert)
    # Then exactly one alert, for the burst, naming what it is about
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.members == 5
    assert "oslo" in alert.top_terms
    assert any(term.startswith(("tåg", "inställ")) for term in alert.top_terms)
    assert alert.first_at > START + timedelta(minutes=10 * len(BACKGROUND))


def test_members_outside_the_window_do_not_count() -> None:
    # Given the same similar texts, but one every 8 hours with a 24-hour window
    detector = ClusterDetector(window=timedelta(hours=24), min_members=5, similarity=0.3)
    alerts = [detector.add(text, START + timedelta(hours=8 * i)) for i, text in enumerate(BURST)]
    # Then at most 4 are ever inside the window: no alert
    assert alerts == [None] * len(BURST)


def test_unrelated_texts_never_alert() -> None:
    detector = ClusterDetector(min_members=3, similarity=0.5)
    assert all(
        detector.add(text, START + timedelta(minutes=i)) is None
        for i, text in enumerate(BACKGROUND)
    )


def test_bad_settings_and_naive_times_are_refused() -> None:
    with pytest.raises(InvalidInput):
        ClusterDetector(min_members=1)
    with pytest.raises(InvalidInput):
        ClusterDetector().add("hej", datetime(2026, 3, 2))


def test_the_label_is_the_clusters_telling_phrases_not_loose_words() -> None:
    """Issue 14 point 10: the demo's bin-collection mails were labelled "två tömts
    veckor". The label is the phrases most members share, weighed by how rare their
    words are in the window (a subject line counts more), without stop words,
    numbers or sign-offs."""
    detector = ClusterDetector(min_members=5)
    at = START
    other = [
        "Vaccination\nVar kan jag vaccinera mig? Jag bor i Norrby.\n\nMvh Anna Lind",
        "Bygglov\nHur ansöker jag om bygglov för ett attefallshus?\n\nMvh Erik Berg",
    ]
    for text in other * 3:
        at += timedelta(minutes=5)
        detector.add(text, at)
    alert = None
    for name in ["Anna Lind", "Erik Berg", "Maria Nilsson", "Lars Holm", "Sara Ek"]:
        at += timedelta(minutes=5)
        alert = (
            detector.add(
                "Sophämtning\nNär töms soptunnorna i Norrby? Den har inte tömts på två veckor."
                f"\n\nMvh {name}",
                at,
            )
            or alert
        )
    assert alert is not None
    assert alert.label == "Sophämtning · töms soptunnorna"


def test_labels_match_phrases_across_inflections_and_need_half_the_members() -> None:
    from distans.core.topics.clusters import cluster_label

    assert cluster_label(BURST[:5]) == "inställt · Oslo"
    # "skolbussen" is in one text of three: not part of the label.
    texts = [
        "Skolskjuts\nBussen till skolan kom aldrig i morse",
        "Skolskjuts\nSkolbussen kom inte idag",
        "Skolskjutsen saknas\nVar är bussen?",
    ]
    label = cluster_label(texts)
    assert label.startswith("Skolskjuts") and "Skolbussen" not in label
    assert cluster_label(["ett två tre", "fyra fem"]) == ""
