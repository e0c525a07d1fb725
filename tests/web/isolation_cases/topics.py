"""Tenant isolation of the topic tree page: B's supervisor sees and changes nothing of A's."""

from __future__ import annotations

from typing import Any

from tests.web.isolation import Probe, World, case, must_not_show, world_builder

ALFA = must_not_show(lambda w: "Alfaträdet", lambda w: "alfanyckelord", lambda w: "Alfavåg")


@world_builder
def _topics_world(world: World) -> None:
    from django.utils import timezone

    from distans.topics.models import SurgeAlert, Topic

    world.extra["topic_a"] = Topic.objects.create(
        organisation=world.org_a, code="alfa-topic", name="Alfaträdet", keywords=["alfanyckelord"]
    )
    now = timezone.now()
    SurgeAlert.objects.create(organisation=world.org_a, key="Alfavåg", start=now, detected_at=now, score=3.0,
                              method="cusum")  # fmt: skip


def _a_unchanged(response: Any, world: World) -> None:
    from distans.topics.models import Topic

    assert response.status_code in (200, 302, 403, 404), response.status_code
    topic = Topic.objects.get(pk=world.extra["topic_a"].pk)
    assert topic.name == "Alfaträdet" and topic.organisation_id == world.org_a.pk
    assert not Topic.objects.filter(organisation=world.org_a, code="from-b").exists()


case("topics:index")(lambda world: [Probe("get", "/topics/", ALFA)])
case("topics:export")(lambda world: [Probe("get", "/topics/export.csv", ALFA)])
case("topics:new")(lambda world: [Probe("get", "/topics/new/", ALFA)])
case("topics:train")(
    lambda world: [Probe("post", "/topics/train/", lambda r, w: (ALFA(r, w), _a_unchanged(r, w)))]
)


@case("topics:edit")
def _edit(world: World) -> list[Probe]:
    pk = world.extra["topic_a"].pk

    def not_found(response: Any, w: World) -> None:
        assert response.status_code == 404, response.status_code
        _a_unchanged(response, w)

    return [
        Probe("get", f"/topics/{pk}/", not_found),
        Probe(
            "post",
            f"/topics/{pk}/",
            not_found,
            {"code": "alfa-topic", "name": "Hijacked", "ordering": 0},
        ),
    ]


@case("topics:import")
def _import(world: World) -> list[Probe]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "t.csv", b"code,parent_code,name\nalfa-topic,,Hijacked\nfrom-b,alfa-topic,X\n"
    )

    def check(response: Any, w: World) -> None:
        ALFA(response, w)
        _a_unchanged(response, w)

    return [Probe("post", "/topics/import/", check, {"file": upload})]
case("topics:surges_now")(lambda world: [Probe("get", "/topics/surges/now/", ALFA)])
