"""CSV import of people: a dry-run preview with per-row errors, then all rows or none."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from tests.factories import make_organisation, make_person, make_site, make_team

from distans.accounts.models import AuditEntry, Person, Team

pytestmark = pytest.mark.django_db

GOOD = (
    "namn;e-post;lag;plats;roll;kompetenser\n"
    "Anna Andersson;anna@example.org;Bygglov;Kontoret;handläggare;bygglov=7|parkering=4\n"
    "Bo Berg;BO@example.org;Nya laget;;lagledare|agent;\n"
)


def upload(client: Client, content: bytes | str, name: str = "people.csv") -> Any:
    raw = content.encode() if isinstance(content, str) else content
    return client.post("/settings/people/import/", {"file": SimpleUploadedFile(name, raw, "text/csv")})


@pytest.fixture
def org_and_client() -> tuple[Any, Client, Any]:
    org = make_organisation()
    make_team(org, name="Bygglov")
    make_site(org, name="Kontoret")
    admin = make_person(org, is_org_admin=True, is_agent=False)
    client = Client()
    client.force_login(admin)
    return org, client, admin


def test_preview_stores_nothing_then_confirm_stores_everything(
    org_and_client: Any, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    from distans.routing.models import AgentState

    org, client, admin = org_and_client
    preview = upload(client, GOOD)
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "2 personer är klara att importera." in body and "Nya laget" in body
    assert "Lagledare" in body and "team_leader" not in body  # roles as words, not codes
    assert not Person.objects.filter(email="anna@example.org").exists()
    assert not Team.objects.filter(name="Nya laget").exists()

    digest = body.split('name="confirm" value="', 1)[1].split('"', 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/settings/people/import/", {"confirm": digest, "invite": "1"})
    assert done.status_code == 302
    anna = Person.objects.get(email="anna@example.org")
    bo = Person.objects.get(email="bo@example.org")
    assert anna.team.name == "Bygglov" and anna.default_site.name == "Kontoret" and anna.roles == ["agent"]
    assert AgentState.objects.get(person=anna).skills == {"bygglov": 7, "parkering": 4}
    assert bo.team.name == "Nya laget" and set(bo.roles) == {"agent", "team_leader"}
    assert sorted(m.to[0] for m in mailoutbox) == ["anna@example.org", "bo@example.org"]
    assert AuditEntry.objects.filter(organisation=org, action="person.created").count() == 2
    assert client.post("/settings/people/import/", {"confirm": digest}).status_code == 400  # spent


def test_one_bad_row_stores_nothing_and_says_why_per_row(org_and_client: Any) -> None:
    org, client, admin = org_and_client
    make_person(make_organisation(), email="someone@example.org")
    text = (
        "name,email,team,site,role,skills\n"
        "Anna,anna@example.org,Bygglov,,agent,bygglov=7\n"
        ",not-an-address,Bygglov,Månen,kung,bygglov=elva\n"
        "Cecilia,someone@example.org,Bygglov,,,\n"
        "Dan,anna@example.org,Bygglov,,,\n"
    )
    response = upload(client, text)
    body = response.content.decode()
    for message in (
        "Namnet saknas.", "”not-an-address” är ingen e-postadress.", "Det finns ingen plats som heter ”Månen”",
        "Okänd roll ”kung”.", "nivån måste vara ett heltal", "Någon som du inte hanterar har redan",
        "E-postadressen finns två gånger i filen.", "3 rader har fel",
    ):  # fmt: skip
        assert message in body, message
    assert 'name="confirm"' not in body  # nothing to confirm
    assert not Person.objects.filter(email="anna@example.org").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name;email\nÅsa;asa@example.org\n".encode("cp1252"), "Filen är inte UTF-8-text (första trasiga tecknet på rad 2)"),
        (b"", "Filen är tom."),
        ("namn;lag\nÅsa;Bygglov\n", "saknas: email"),
        ("name,email\n", "Filen har kolumnnamn men inga personer."),
        (b"\x00\xff\xfe garbage", "Filen är inte UTF-8-text"),
        (b"name,email\nA\x00B,a@example.org\n", "Rad 2 kan inte läsas som CSV"),
        (b"name,email\nA," + b"x" * 200_000 + b"\n", "Rad 2 kan inte läsas som CSV"),
    ],
)
def test_hostile_files_get_a_clear_swedish_message(org_and_client: Any, content: Any, message: str) -> None:
    org, client, admin = org_and_client
    response = upload(client, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Person.objects.for_org(org).count() == 1


def test_a_utf8_file_with_bom_and_short_rows_reads(org_and_client: Any) -> None:
    org, client, admin = org_and_client
    response = upload(client, "\ufeffname,email,team\nÅsa Öberg,asa@example.org\n".encode())
    body = response.content.decode()
    assert "Åsa Öberg" in body and "Raden har färre kolumner än första raden." in body


def test_a_team_leader_imports_into_their_own_team_only() -> None:
    org = make_organisation()
    leader = make_person(org, is_team_leader=True, is_agent=False)
    make_team(org, name="Mitt", leader=leader)
    make_team(org, name="Annat")
    client = Client()
    client.force_login(leader)
    body = upload(client, "name,email,team,role\nA,a@example.org,Annat,agent\nB,b@example.org,Mitt,supervisor\nC,c@example.org,,\n").content.decode()
    assert "Du kan inte lägga till personer i arbetslaget ”Annat”." in body
    assert "Bara en administratör får ge rollen ”supervisor”." in body
    assert "Ange ett av dina arbetslag." in body
