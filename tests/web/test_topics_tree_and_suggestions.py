"""The topic tree (CSV import with broken rows, wrap-up choices) and suggestions after training."""

from __future__ import annotations

import pytest
from django.test import override_settings
from tests.factories import make_agent, make_organisation, make_queue
from tests.factories_reports import handle_contact

from distans.topics import actions, queries
from distans.topics.models import Topic

pytestmark = pytest.mark.django_db

TREE = """code,parent_code,name,active,order,keywords
skola,,Skola,1,1,
skolplikt,skola,Skolplikt,1,1,skolplikt|frånvaro
corona-vacc,corona,Vaccination,1,1,vaccin|spruta
corona,,Corona,1,2,
bad code!,,Trasig,1,3,
gammal,,Gammalt,0,9,
orphan,nowhere,Föräldralös,1,1,
skola,,Dubblett,1,1,
bygglov,,Bygglov,yes,3,bygglov|altan
x,,,1,1,
"""


@pytest.fixture
def run(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def call(function, *args, **kwargs):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return call


def test_csv_import_keeps_good_rows_and_reports_broken_ones_by_line() -> None:
    org = make_organisation()
    result = actions.do_import_topics(org, TREE)
    assert result.created == 6
    assert [line for line, _ in result.errors] == [6, 8, 9, 11]
    vacc = Topic.objects.get(organisation=org, code="corona-vacc")
    assert (
        vacc.parent is not None and vacc.parent.code == "corona"
    )  # parent defined later in the file
    assert vacc.keywords == ["vaccin", "spruta"]
    assert queries.list_topic_choices(org) == [
        ("skolplikt", "Skola › Skolplikt"),
        ("corona-vacc", "Corona › Vaccination"),
        ("bygglov", "Bygglov"),
    ]
    exported = actions.export_topics_csv(org)
    assert exported.splitlines()[0] == "code,parent_code,name,active,order,keywords"
    assert "corona-vacc,corona,Vaccination,1,1,vaccin|spruta" in exported
    other = make_organisation()
    again = actions.do_import_topics(other, exported)
    assert again.errors == [] and again.created == 6
    assert queries.list_topic_choices(other) == queries.list_topic_choices(org)


def test_loops_are_refused() -> None:
    org = make_organisation()
    result = actions.do_import_topics(org, "code,parent_code,name\na,b,A\nb,a,B\nc,,C\n")
    assert result.created == 1 and [line for line, _ in result.errors] == [2, 3]


def test_suggestions_after_training_on_swedish_contacts(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    actions.do_import_topics(org, TREE)
    queue = make_queue(org)
    agent = make_agent(org, [queue])
    from distans.routing import actions as routing

    run(routing.do_set_presence, agent, "available")
    texts = {
        "Corona – vaccination": ["När kan jag boka tid för vaccinet?", "Var vaccinerar ni mot covid?",
                                 "Jag vill ha min andra dos av vaccinet", "Hur bokar jag vaccination?"],
        "Skolplikt": ["Mitt barn har hög frånvaro från skolan", "Får vi ta ledigt från skolan en vecka?",
                      "Vad gäller för skolplikten vid flytt?", "Barnet vägrar gå till skolan"],
        "Bygglov": ["Behöver jag bygglov för en altan?", "Hur söker jag bygglov för tillbyggnad?",
                    "Vilka ritningar krävs till bygglovet?", "Hur lång tid tar ett bygglov?"],
    }  # fmt: skip
    with override_settings(VAR_DIR=tmp_path):
        assert actions.do_train_topic_model(org) is True  # keywords alone: cold start
        for topic, bodies in texts.items():
            for body in bodies:
                handle_contact(run, queue, agent, topic, body=body)
        assert actions.do_train_topic_model(org) is False  # fewer than 50 new contacts
        assert actions.do_train_topic_model(org, force=True) is True
        assert (tmp_path / "models" / str(org.pk) / "manifest.json").exists()
        probe = run(
            routing.do_create_contact,
            queue,
            "email",
            subject="Vaccin",
            body="Kan jag boka en tid för vaccinationen?",
        )
        suggestions = queries.suggest_topics(probe)
        assert suggestions[0][0] == "Corona › Vaccination"
        assert 0 < suggestions[0][1] <= 1 and len(suggestions) <= 3
        assert [s[1] for s in suggestions] == sorted((s[1] for s in suggestions), reverse=True)
        probe2 = run(
            routing.do_create_contact, queue, "email", body="Vi ska bygga en altan, krävs bygglov?"
        )
        assert queries.suggest_topics(probe2)[0][0] == "Bygglov"
