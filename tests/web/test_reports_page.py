"""The reports page renders table and charts; CSV, XLSX and raw event exports are readable."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from tests.factories import PASSWORD, make_organisation, make_person

from distans.core.reports.aggregate import ContactCounts
from distans.core.reports.records import GroupKey
from distans.reports.aggregation import upsert_contact_rows
from distans.routing.models import RoutingEvent

pytestmark = pytest.mark.django_db

QUERY = "?start=2026-11-02&end=2026-11-03&by=day"


@pytest.fixture
def supervisor_client(client):  # type: ignore[no-untyped-def]
    org = make_organisation(time_zone="Europe/Stockholm")
    person = make_person(org, is_supervisor=True, email="sup@example.org")
    at = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    within = (0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
    counts = ContactCounts(offered=3, answered=2, abandoned=1, answered_within=(0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2),
                           abandoned_within=within, wait_answered_ms=130_000, wait_abandoned_ms=7_000,
                           max_wait_ms=120_000, talk_ms=400_000, wrap_up_ms=20_000)  # fmt: skip
    upsert_contact_rows(org.pk, {(at, GroupKey("skola", "phone", "Skola › Skolplikt")): counts})
    RoutingEvent.objects.create(
        organisation=org, name="contact_queued", at=at, contact_id=7, data={"channel": "phone"}
    )
    client.login(username=person.email, password=PASSWORD)
    return client


def test_page_shows_table_and_chart(supervisor_client) -> None:  # type: ignore[no-untyped-def]
    page = supervisor_client.get("/reports/" + QUERY)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<table" in body and "<svg" in body and 'role="img"' in body
    assert "2026-11-02" in body and ">3<" in body  # offered
    grouped = supervisor_client.get("/reports/" + QUERY + "&group=topic").content.decode()
    assert "Skola › Skolplikt" in grouped
    assert supervisor_client.get("/reports/?start=2026-11-03&end=2026-11-01").status_code == 200


def test_charts_draw_in_swedish(supervisor_client) -> None:  # type: ignore[no-untyped-def]
    """Swedish formats numbers with a decimal comma; SVG geometry must keep its dot
    ("188,0" is no coordinate: the chart was blank). The titles are translated."""
    import re

    body = supervisor_client.get("/reports/" + QUERY).content.decode()  # the person speaks sv
    svgs = re.findall(r"<svg.*?</svg>", body, re.S)
    assert len(svgs) == 2
    for svg in svgs:
        geometry = re.findall(r'\b(?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
        assert geometry
        for value in geometry:
            float(value)  # "188,0" raises
    assert "Servicenivå (%)" in body and "%%" not in body
    assert "Inkomna och besvarade" in body


def test_the_service_level_chart_shows_both_conventions_when_contacts_were_abandoned(
    supervisor_client,  # type: ignore[no-untyped-def]
) -> None:
    """The legend names both conventions; with abandons they differ, so the chart
    draws both (1 of 3 offered was abandoned in the fixture's data)."""
    import re

    body = supervisor_client.get("/reports/" + QUERY).content.decode()
    chart = re.search(r'<svg[^>]*aria-labelledby="chart-sl-title".*?</svg>', body, re.S)
    assert chart is not None
    assert 'class="series-1"' in chart.group(0) and 'class="series-2"' in chart.group(0)
    assert "Servicenivå 2" in chart.group(0)


def test_csv_and_xlsx_exports(supervisor_client) -> None:  # type: ignore[no-untyped-def]
    text = supervisor_client.get("/reports/export.csv" + QUERY).content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["period"] for r in rows] == ["2026-11-02", "2026-11-03"]
    assert (
        rows[0]["offered"] == "3" and rows[0]["answered"] == "2"
    )  # the 7 s abandon is not short (<= 5 s)
    assert float(rows[0]["asa_seconds"]) == 65.0
    data = supervisor_client.get("/reports/export.xlsx" + QUERY).content
    sheet = load_workbook(io.BytesIO(data)).active
    values = list(sheet.values)
    assert values[0][:3] == ("period", "offered", "answered")
    assert values[1][:3] == ("2026-11-02", 3, 2)
    events = supervisor_client.get("/reports/events.csv" + QUERY)
    lines = b"".join(events.streaming_content).decode().splitlines()
    assert (
        lines[0] == "id,at,name,contact_id,agent_id,queue_id,data" and "contact_queued" in lines[1]
    )


def test_agents_may_not_see_reports(client) -> None:  # type: ignore[no-untyped-def]
    person = make_person(make_organisation(), is_agent=True, email="agent@example.org")
    client.login(username=person.email, password=PASSWORD)
    assert client.get("/reports/").status_code == 403
    assert client.get("/topics/").status_code == 403


def test_topics_page_renders(client) -> None:  # type: ignore[no-untyped-def]
    from distans.topics.demo import load_topics_demo

    org = make_organisation()
    load_topics_demo(org)
    person = make_person(org, is_supervisor=True, email="sup2@example.org")
    client.login(username=person.email, password=PASSWORD)
    body = client.get("/topics/").content.decode()
    assert "Vaccination" in body and "Skolplikt" in body
    assert client.get("/topics/export.csv").content.decode().count("\n") == 12
    response = client.post("/topics/new/", {"code": "ny", "name": "Nytt", "ordering": 0, "active": "on",
                                            "keywords_text": "ett, två"})  # fmt: skip
    assert response.status_code == 302
    from distans.topics.models import Topic

    assert Topic.objects.get(organisation=org, code="ny").keywords == ["ett", "två"]
