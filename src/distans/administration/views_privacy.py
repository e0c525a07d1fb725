"""A data subject's data (GDPR): found by e-mail, phone or personal identity number,
exported (a JSON file, written in the read and audit logs) and erased after a typed
confirmation (audited, with a report). The work is the contacts app's
(``contacts/queries.py``, ``contacts/actions.py``), as for ``distans privacy``."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from distans.accounts.models import Organisation, Person
from distans.accounts.permissions import requires
from distans.administration.forms import DataSubjectForm, EraseDataSubjectForm
from distans.contacts import actions, queries


def _actor(request: HttpRequest) -> tuple[Person, Organisation]:
    person = request.user
    assert isinstance(person, Person) and person.organisation is not None  # @requires let them in
    return person, person.organisation


def _found(request: HttpRequest, criteria: dict[str, str]) -> Any:
    _person, organisation = _actor(request)
    return queries.find_data_subject_contacts(organisation.pk, **criteria).select_related("queue")


@require_GET
@requires("privacy.manage")
def privacy(request: HttpRequest) -> HttpResponse:
    searched = any(request.GET.get(k) for k in ("email", "phone", "identity_number"))
    form = DataSubjectForm(request.GET if searched else None)
    context: dict[str, Any] = {"form": form, "searched": searched}
    if searched and form.is_valid():
        contacts = list(_found(request, form.criteria()))
        context.update(
            contacts=contacts,
            criteria=form.criteria(),
            case_ids=",".join(str(c.pk) for c in contacts),
            erase_form=EraseDataSubjectForm(initial={**form.criteria()}),
            word=EraseDataSubjectForm.word(),
        )
    return render(request, "administration/privacy.html", context)


@require_POST
@requires("privacy.manage")
def privacy_export(request: HttpRequest) -> HttpResponse:
    form = DataSubjectForm(request.POST)
    if not form.is_valid():
        return render(
            request, "administration/privacy.html", {"form": form, "searched": True}, status=400
        )
    person, organisation = _actor(request)
    data = actions.do_export_data_subject(organisation, _found(request, form.criteria()), person)
    body = json.dumps(
        {
            "exported_at": timezone.now().isoformat(),
            "searched_for": form.criteria(),
            "contacts": data,
        },
        ensure_ascii=False,
        indent=2,
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"distans-data-subject-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@requires("privacy.manage")
def privacy_erase(request: HttpRequest) -> HttpResponse:
    form = EraseDataSubjectForm(request.POST)
    if not form.is_valid():
        search = DataSubjectForm(
            {k: request.POST.get(k, "") for k in ("email", "phone", "identity_number")}
        )
        context: dict[str, Any] = {
            "form": search,
            "searched": True,
            "erase_form": form,
            "word": form.word(),
        }
        if search.is_valid():
            contacts = list(_found(request, search.criteria()))
            context.update(contacts=contacts, criteria=search.criteria(),
                           case_ids=",".join(str(c.pk) for c in contacts))  # fmt: skip
        return render(request, "administration/privacy.html", context, status=400)
    # Only what was shown when the admin decided, and still matches now.
    contacts = _found(request, form.criteria()).filter(pk__in=form.cleaned_data["cases"])
    person, organisation = _actor(request)
    report = actions.do_erase_data_subject(organisation, contacts, person)
    return render(request, "administration/privacy_erased.html", {"report": report})
