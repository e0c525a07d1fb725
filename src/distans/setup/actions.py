"""Writes of the setup app: queues, sites, teams, channels, the first run.

Every change is audited (who, when, before, after: ``audit.record``) and takes
effect live: after commit routing runs a full round for the organisation (waiting
contacts are re-evaluated against the new hours and rules at once), every process
drops its cached queues (``routing.rounds.announce_queue_change``, from the queue's
save signal) and the supervisors' pages re-fetch (``queues`` event).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from distans.accounts import audit
from distans.accounts.models import Organisation, Person, Site, Team
from distans.administration.actions import InvitationMail
from distans.channels_chat.models import ChatWidget
from distans.realtime.groups import org_group, supervisors_group
from distans.realtime.publish import publish
from distans.routing.dispatcher import request_routing
from distans.routing.models import Queue
from distans.setup.channel_settings import SECRET_FIELDS
from distans.setup.settings_data import apply_queue_settings, queue_settings


def _announce_queues(organisation_id: int, queue_id: int | None = None) -> None:
    """After commit: route again with the new settings, and tell the pages."""
    request_routing(organisation_id)

    from distans.channels_chat.consumers import widget_group

    widgets = ChatWidget.objects.for_org(organisation_id).filter(active=True)
    if queue_id is not None:
        widgets = widgets.filter(queue_id=queue_id)
    widget_ids = list(widgets.values_list("pk", flat=True))

    def send() -> None:
        publish(supervisors_group(organisation_id), "queues")
        publish(org_group(organisation_id), "queue_settings", queue_id=queue_id)
        for pk in widget_ids:  # open widgets re-read their queue's availability
            publish(widget_group(pk), "availability")

    transaction.on_commit(send)


@transaction.atomic
def do_save_queue(
    organisation: Organisation,
    actor: Person | None,
    queue: Queue | None,
    data: dict[str, Any],
) -> Queue:
    """Create (``queue`` None) or change a queue from settings data. Raises
    ValidationError with translated messages; nothing is stored then."""
    if queue is not None and queue.organisation_id != organisation.pk:
        raise ValidationError(_("No such queue."))
    before = queue_settings(queue) if queue is not None else None
    target = queue if queue is not None else Queue(organisation=organisation)
    apply_queue_settings(target, data)
    clash = Queue.all_objects.for_org(organisation).filter(code=target.code)  # archived too
    if target.pk is not None:
        clash = clash.exclude(pk=target.pk)
    if clash.exists():
        raise ValidationError(_("Another queue already has the code “%(code)s”.") % {"code": target.code})
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        raise ValidationError(_("Another queue already has the code “%(code)s”.") % {"code": target.code}) from None
    if before is not None and before["code"] != target.code:
        _rename_overflow_target(organisation, before["code"], target.code)
    audit.record_change(
        organisation,
        actor,
        "queue_created" if before is None else "queue_changed",
        target,
        before,
        queue_settings(target),
    )
    _announce_queues(organisation.pk, target.pk)
    return target


def _rename_overflow_target(organisation: Organisation, old: str, new: str) -> None:
    """Overflow rules name queues by code: follow a renamed code."""
    for other in Queue.objects.for_org(organisation):
        rules = other.overflow or []
        if any(rule.get("to") == old for rule in rules):
            other.overflow = [{**rule, "to": new} if rule.get("to") == old else rule for rule in rules]
            other.save(update_fields=["overflow"])


@transaction.atomic
def do_create_site(
    organisation: Organisation,
    actor: Person | None,
    name: str,
    kind: str,
    address: str = "",
    seat_capacity: int | None = None,
) -> Site:
    if Site.objects.for_org(organisation).filter(name=name).exists():
        raise ValidationError(_("There is already a site called “%(name)s”.") % {"name": name})
    site = Site(organisation=organisation, name=name, kind=kind, address=address, seat_capacity=seat_capacity)
    site.full_clean(exclude=["organisation"])
    site.save()
    audit.record_change(
        organisation,
        actor,
        "site_created",
        site,
        None,
        {"name": name, "kind": kind, "address": address, "seat_capacity": seat_capacity},
    )
    return site


@transaction.atomic
def do_create_team(organisation: Organisation, actor: Person | None, name: str, leader: Person | None = None) -> Team:
    if Team.objects.for_org(organisation).filter(name=name).exists():
        raise ValidationError(_("There is already a team called “%(name)s”.") % {"name": name})
    team = Team(organisation=organisation, name=name, leader=leader)
    team.full_clean(exclude=["organisation", "leader"])
    team.save()
    audit.record_change(organisation, actor, "team_created", team, None, {"name": name})
    return team


# -- first run --------------------------------------------------------------------


class FirstRunClosed(Exception):
    """The install already has people: the open first-run form is not available."""


@transaction.atomic
def do_create_first_admin(organisation_name: str, full_name: str, email: str, password: str) -> Person:
    """On an empty install (nobody at all), the organisation and its first admin."""
    from django.utils.text import slugify

    if Person.objects.select_for_update().exists() or Organisation.objects.exists():
        raise FirstRunClosed
    organisation = Organisation.objects.create(
        name=organisation_name, slug=slugify(organisation_name)[:50] or "org"
    )
    person = Person.objects.create_user(
        email.lower(),
        password,
        full_name=full_name,
        organisation=organisation,
        is_org_admin=True,
        is_supervisor=True,
        is_agent=False,
        is_staff=True,
    )
    audit.record_change(organisation, person, "organisation_created", organisation, None, {"name": organisation_name})
    return person


ORGANISATION_FIELDS = ("name", "time_zone", "country")


@transaction.atomic
def do_update_organisation(organisation: Organisation, actor: Person | None, data: dict[str, Any]) -> Organisation:
    before = {f: getattr(organisation, f) for f in ORGANISATION_FIELDS}
    for field in ORGANISATION_FIELDS:
        if field in data:
            setattr(organisation, field, data[field])
    organisation.full_clean(exclude=["slug"])
    organisation.save(update_fields=list(ORGANISATION_FIELDS))
    after = {f: getattr(organisation, f) for f in ORGANISATION_FIELDS}
    if after["country"] != before["country"]:
        # The queues that followed the organisation's holidays follow the new country.
        for queue in Queue.objects.for_org(organisation).filter(holiday_country=before["country"]):
            queue.holiday_country = after["country"]
            queue.holiday_hours = {}
            queue.save(update_fields=["holiday_country", "holiday_hours"])
    audit.record_change(organisation, actor, "organisation_changed", organisation, before, after)
    # Time zone and holidays change every queue's calendar.
    _announce_queues(organisation.pk)
    return organisation


@transaction.atomic
def do_join_team(actor: Person, person: Person, team: Team) -> None:
    before = {"team": person.team_id}
    person.team = team
    person.save(update_fields=["team"])
    audit.record_change(team.organisation, actor, "person_team_changed", person, before, {"team": team.pk})


@transaction.atomic
def do_make_agent(actor: Person | None, person: Person, queues: list[Queue], site: Site | None = None) -> Any:
    """Give ``person`` a desk: the agent role and an agent state in ``queues``."""
    from distans.routing.models import AgentState

    organisation = person.organisation
    assert organisation is not None
    state, created = AgentState.objects.get_or_create(
        person=person, defaults={"organisation": organisation, "site": site}
    )
    before = {"is_agent": person.is_agent, "queues": sorted(q.pk for q in state.queues.all())}
    if not person.is_agent:
        person.is_agent = True
        person.save(update_fields=["is_agent"])
    state.queues.add(*queues)
    after = {"is_agent": True, "queues": sorted(q.pk for q in state.queues.all())}
    audit.record_change(organisation, actor, "agent_queues_changed", person, before, after)
    return state


def do_invite_person(
    organisation: Organisation,
    actor: Person,
    full_name: str,
    email: str,
    base_url: str,
    *,
    team: Team | None = None,
    queues: list[Queue] | None = None,
) -> tuple[Person, InvitationMail]:
    """An agent without a password, invited the one way Distans invites people: the
    administration app's person and invitation (``do_create_person``,
    ``do_create_invitation``: a single-use link valid seven days, only its hash stored,
    the one mail, the one accept page). The caller sends the mail after commit
    (``send_invitation_mail``), so a mail server that refuses is said, not hidden."""
    from distans.accounts.choices import Role
    from distans.administration.actions import do_create_invitation, do_create_person

    email = email.strip().lower()
    if Person.objects.filter(email__iexact=email).exists():
        raise ValidationError(_("%(email)s already has an account.") % {"email": email})
    assert organisation.pk == actor.organisation_id, "invitations are to the actor's organisation"
    person = do_create_person(
        actor, {"full_name": full_name.strip(), "email": email, "team": team, "roles": [Role.AGENT],
                "language": actor.language},
    )  # fmt: skip
    if queues:
        do_make_agent(actor, person, queues)
    return person, do_create_invitation(actor, person, base_url)


@transaction.atomic
def do_create_chat_widget(
    organisation: Organisation,
    actor: Person | None,
    queue: Queue,
    name: str,
    allowed_origins: list[str],
    greetings: dict[str, str],
    topics: list[str] | None = None,
) -> Any:
    from distans.channels_chat.models import ChatWidget

    if queue.organisation_id != organisation.pk:
        raise ValidationError(_("No such queue."))
    widget = ChatWidget(
        organisation=organisation,
        queue=queue,
        name=name,
        allowed_origins=allowed_origins,
        greetings=greetings,
        topics=topics or [],
    )
    widget.save()
    audit.record_change(
        organisation,
        actor,
        "chat_widget_created",
        widget,
        None,
        {"name": name, "queue": queue.code, "allowed_origins": allowed_origins},
    )
    return widget


@transaction.atomic
def do_create_phone_line(organisation: Organisation, actor: Person | None, queue: Queue, number: str, name: str) -> Any:
    from distans.telephony.models import Line

    if queue.organisation_id != organisation.pk:
        raise ValidationError(_("No such queue."))
    number = "".join(number.split())
    if Line.all_objects.for_org(organisation).filter(number=number).exists():
        raise ValidationError(_("The number %(number)s is already in use.") % {"number": number})
    line = Line(organisation=organisation, number=number, name=name, queue=queue)
    line.full_clean(exclude=["organisation", "queue"])
    line.save()
    audit.record_change(organisation, actor, "phone_line_created", line, None, {"number": number, "name": name, "queue": queue.code})
    return line


# -- first-run steps: one action each (one transaction; the view only dispatches) ----


@transaction.atomic
def do_first_run_sites(organisation: Organisation, actor: Person, office: str, address: str, home: bool) -> None:
    from django.utils.translation import pgettext

    from distans.accounts.choices import SiteKind

    do_create_site(organisation, actor, office, SiteKind.OFFICE, address)
    if home and not Site.objects.for_org(organisation).filter(kind=SiteKind.HOME).exists():
        do_create_site(organisation, actor, pgettext("site name", "Home"), SiteKind.HOME)


@transaction.atomic
def do_first_run_team(organisation: Organisation, actor: Person, name: str, join: bool) -> Team:
    team = do_create_team(organisation, actor, name)
    if join:
        do_join_team(actor, actor, team)
    return team


FIRST_QUEUE_CHANNELS = ["chat", "email", "form", "phone", "callback"]


def do_first_run_queue(
    organisation: Organisation,
    actor: Person,
    name: str,
    code: str,
    weekdays: list[list[str]],
    saturday: list[list[str]],
    sunday: list[list[str]],
) -> Queue:
    """The first queue: every channel, the organisation's public holidays, the hours
    given (Monday–Friday alike); everything else the model's defaults."""
    weekly = {str(day): weekdays for day in range(5) if weekdays}
    if saturday:
        weekly["5"] = saturday
    if sunday:
        weekly["6"] = sunday
    return do_save_queue(
        organisation,
        actor,
        None,
        {
            "name": name,
            "code": code,
            "channels": list(FIRST_QUEUE_CHANNELS),
            "weekly_hours": weekly,
            "holiday_country": organisation.country,
        },
    )


@transaction.atomic
def do_first_run_channel(
    organisation: Organisation,
    actor: Person,
    queue: Queue,
    widget_name: str,
    allowed_origins: list[str],
    greeting: str,
    language: str,
    phone_number: str,
) -> Any:
    widget = do_create_chat_widget(
        organisation, actor, queue, widget_name, allowed_origins, {language: greeting} if greeting else {}
    )
    if phone_number:
        do_create_phone_line(organisation, actor, queue, phone_number, queue.name)
    return widget


@transaction.atomic
def do_first_run_invitations(
    organisation: Organisation, actor: Person, people: list[tuple[str, str]], base_url: str
) -> list[InvitationMail]:
    """Invite each (name, e-mail) as an agent of the first team and queue; all or none.
    Returns the mails for the caller to send once this has committed."""
    queue = Queue.objects.for_org(organisation).order_by("pk").first()
    team = Team.objects.for_org(organisation).order_by("pk").first()
    mails = []
    for name, email in people:
        _person, mail = do_invite_person(organisation, actor, name, email, base_url, team=team, queues=[queue] if queue else [])
        mails.append(mail)
    return mails


# -- channels (forms in channel_settings.py) ----------------------------------------

MASK = "••••"  # what the audit log shows of a secret


def _plain(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    values = {}
    for field in fields:
        value = getattr(obj, field, None)
        if field in SECRET_FIELDS:
            value = MASK if value else ""
        elif isinstance(value, Queue):
            value = value.code
        values[field] = value
    return values


@transaction.atomic
def do_save_widget(organisation: Organisation, actor: Person | None, widget: ChatWidget | None, values: dict[str, Any]) -> ChatWidget:
    if values["queue"].organisation_id != organisation.pk or (widget and widget.organisation_id != organisation.pk):
        raise ValidationError(_("No such queue."))
    fields = ("name", "queue", "allowed_origins", "colour", "topics", "active", "greetings", "form_confirmation",
              "form_fields")  # fmt: skip
    before = _plain(widget, fields) if widget else None
    target = widget or ChatWidget(organisation=organisation)
    for name, value in values.items():
        setattr(target, name, value)
    target.save()
    audit.record_change(organisation, actor, "chat_widget_changed" if before else "chat_widget_created", target, before, _plain(target, fields))
    return target


@transaction.atomic
def do_save_model_form(organisation: Organisation, actor: Person | None, form: Any, name: str) -> Any:
    """Save a validated mailbox or line form; audited (secrets only as changed)."""
    instance = form.instance
    fields = tuple(form.Meta.fields)
    before = None
    secret_changed: set[str] = set()
    if instance.pk:
        stored = type(instance).objects.get(pk=instance.pk)
        before = _plain(stored, fields)
        secret_changed = {f for f in SECRET_FIELDS if f in fields and form.cleaned_data.get(f) != getattr(stored, f)}
    if instance.organisation_id != organisation.pk or form.cleaned_data["queue"].organisation_id != organisation.pk:
        raise ValidationError(_("No such queue."))
    saved = form.save()
    after = _plain(saved, fields)
    for field in secret_changed:
        after[field] = MASK + " " + str(_("(changed)"))
    audit.record_change(organisation, actor, f"{name}_{'changed' if before else 'created'}", saved, before, after)
    return saved
