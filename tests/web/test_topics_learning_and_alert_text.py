"""Issue 22 in the product: names and articles train the suggester, wrap-ups are learnt
online ("learned from N contacts"), and surge alerts read in the supervisor's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import translation
from tests.factories import make_agent, make_organisation, make_queue
from tests.factories_reports import handle_contact

from distans.desk.models import Article, CannedAnswer
from distans.topics import actions, queries
from distans.topics.models import SurgeAlert

pytestmark = pytest.mark.django_db

TREE = """code,parent_code,name,active,order,keywords
vacc,,Vaccination,1,1,
skola,,Skolplikt,1,2,
bygg,,Bygglov,1,3,
"""


@pytest.fixture
def run(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def call(function, *args, **kwargs):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return call


def test_names_and_articles_train_and_wrap_ups_are_learnt_at_once(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    actions.do_import_topics(org, TREE)
    Article.objects.create(
        organisation=org, title="Altan och uterum", topic="Bygglov",
        body="Du behöver bygglov för en inglasad altan eller ett uterum större än 15 kvadratmeter.",
    )  # fmt: skip
    CannedAnswer.objects.create(
        organisation=org, title="Hälsning", body="Hej! Tack för att du kontaktar kommunen."
    )  # unlabelled: only for the idf
    CannedAnswer.objects.create(organisation=make_organisation(), title="Annan", body="Hej")
    queue = make_queue(org)
    agent = make_agent(org, [queue])
    probes = make_queue(org)  # no agent: the probe contacts stay waiting
    from distans.routing import actions as routing

    run(routing.do_set_presence, agent, "available")
    with override_settings(VAR_DIR=tmp_path):
        # No contacts yet: names and the article are enough to train on
        assert actions.do_train_topic_model(org, force=True) is True
        # the canned answer (not the other organisation's) sharpened the idf
        assert actions.background_texts(org) == [
            "Hälsning\nHej! Tack för att du kontaktar kommunen."
        ]
        assert queries.topic_settings(org).training_metrics["n_background"] == 1
        probe = run(routing.do_create_contact, probes, "email", body="Får jag glasa in min altan?")
        assert queries.suggest_topics(probe)[0][0] == "Bygglov"
        assert queries.learned_counts(org) == {}  # no contact learnt yet

        # An agent files a new phrasing under Skolplikt; it is learnt without retraining
        text = "Min son har varit borta från lektionerna i tre veckor"
        probe2 = run(routing.do_create_contact, probes, "email", body=text)
        assert queries.suggest_topics(probe2)[0][0] != "Skolplikt"  # nothing to tell yet
        handle_contact(run, queue, agent, "Skolplikt", body=text)
        assert queries.suggest_topics(probe2)[0][0] == "Skolplikt"
        assert queries.learned_counts(org) == {"Skolplikt": 1}
        # learnt once, not again on the next read
        assert queries.learned_counts(org) == {"Skolplikt": 1}


def _alert(
    org, method: str, observed: int, expected: float, key: str = "Vaccination"
) -> SurgeAlert:  # type: ignore[no-untyped-def]
    start = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    return SurgeAlert.objects.create(
        organisation=org, dimension="topic", key=key, start=start, detected_at=start,
        score=observed / expected if expected else 999.0, observed=observed, expected=expected,
        method=method,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("language", "surge_words", "new_words"),
    [
        ("sv", ["42 kontakter sedan", "väntat 25", "1,7 gånger det vanliga", "09:00"],
         ["nytt ämne", "12 kontakter sedan", "inga de föregående veckorna"]),
        ("nb", ["42 henvendelser siden", "forventet 25", "1,7 ganger det vanlige", "09:00"],
         ["nytt emne", "12 henvendelser siden", "ingen de foregående ukene"]),
        ("en", ["42 contacts since", "expected 25", "1.7 times the usual", "09:00"],
         ["new topic", "12 contacts since", "none in the weeks before"]),
    ],
)  # fmt: skip
def test_an_alert_says_what_was_expected_seen_and_since_when(
    language, surge_words, new_words
) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation(time_zone="Europe/Stockholm")
    surge = _alert(org, "cusum", 42, 25.0)
    new = _alert(org, "new", 12, 0.4, key="Skolstart")
    with translation.override(language):
        text = queries.describe_surge(surge)
        for words in surge_words:
            assert words in text, text
        assert text.startswith("Vaccination:")
        text = queries.describe_surge(new)
        for words in new_words:
            assert words in text, text
