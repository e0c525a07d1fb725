"""Writes of the reports app: the incremental aggregate, rebuilds, history import, settings."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from distans.accounts.models import Organisation
from distans.core.reports.aggregate import aggregate_contacts, seconds_to_ms
from distans.core.reports.import_csv import ContactCsvReader, RowError
from distans.core.reports.records import ContactOutcome
from distans.reports import aggregation
from distans.reports.models import (
    ImportedContact,
    OrganisationReportSettings,
    ReportCursor,
)
from distans.routing.models import RoutingEvent

BATCH_EVENTS = 5000


def _cursor(organisation_id: int) -> ReportCursor:
    ReportCursor.objects.get_or_create(organisation_id=organisation_id)
    return ReportCursor.objects.select_for_update().get(organisation_id=organisation_id)


def do_update_aggregates(organisation: Organisation | int, max_batches: int = 100) -> int:
    """Fold events after the high-water mark into the aggregate; returns events processed.

    Each batch runs in one transaction holding the organisation's cursor row, so the
    deltas and the new mark commit together and concurrent workers wait their turn.
    """
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    processed = 0
    for _ in range(max_batches):
        with transaction.atomic():
            cursor = _cursor(org_id)
            batch = list(
                RoutingEvent.objects.filter(
                    organisation_id=org_id, id__gt=cursor.last_event_id
                ).order_by("id")[:BATCH_EVENTS]
            )
            if not batch:
                return processed
            contacts, logged_in = aggregation.deltas_for_events(org_id, batch)
            aggregation.upsert_contact_rows(org_id, contacts)
            aggregation.upsert_logged_in_rows(org_id, logged_in)
            cursor.last_event_id = batch[-1].pk
            cursor.updated_at = timezone.now()
            cursor.save(update_fields=["last_event_id", "updated_at"])
            processed += len(batch)
        if len(batch) < BATCH_EVENTS:
            break
    return processed


@transaction.atomic
def do_rebuild_aggregates(organisation: Organisation | int) -> int:
    """Recompute the whole aggregate from the event log and the imported history."""
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    cursor = _cursor(org_id)
    last = (
        RoutingEvent.objects.filter(organisation_id=org_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    aggregation.clear_aggregates(org_id)
    contacts, logged_in = aggregation.recompute_from_log(org_id)
    aggregation.upsert_contact_rows(org_id, contacts)
    aggregation.upsert_logged_in_rows(org_id, logged_in)
    imported = ImportedContact.objects.filter(organisation_id=org_id).iterator(chunk_size=5000)
    aggregation.upsert_contact_rows(org_id, aggregate_contacts(_outcome(row) for row in imported))
    cursor.last_event_id = last or 0
    cursor.updated_at = timezone.now()
    cursor.save(update_fields=["last_event_id", "updated_at"])
    return len(contacts)


def _outcome(row: ImportedContact) -> ContactOutcome:
    from distans.core.reports.records import Outcome

    return ContactOutcome(
        arrived_at=row.arrived_at, queue=row.queue, channel=row.channel, outcome=Outcome(row.outcome),
        waited_seconds=row.waited_ms / 1000, handled_seconds=row.handled_ms / 1000,
        wrap_up_seconds=row.wrap_up_ms / 1000, topic=row.topic, team=row.team, agent=row.agent,
        location=row.location,
    )  # fmt: skip


@dataclass
class ImportResult:
    batch: str
    imported: int = 0
    rows_read: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)


def do_import_contacts(organisation: Organisation, lines: Iterable[str] | Iterable[bytes],
                       zone: ZoneInfo | None = None, chunk: int = 20_000, max_errors: int = 1000,
                       encoding: str = "utf-8-sig") -> ImportResult:  # fmt: skip
    """Import a history CSV: valid rows become ImportedContact rows and aggregate deltas.

    Broken rows are skipped and listed (line numbers); each chunk commits on its own,
    so nothing valid is lost when a later row is broken.
    """
    zone = zone or ZoneInfo(organisation.time_zone)
    reader = ContactCsvReader(lines, zone, max_errors=max_errors, encoding=encoding)
    result = ImportResult(batch=uuid.uuid4().hex[:16])
    pending: list[ContactOutcome] = []
    for record in reader:
        pending.append(record)
        if len(pending) >= chunk:
            _store_imported(organisation.pk, pending, result.batch)
            result.imported += len(pending)
            pending = []
    if pending:
        _store_imported(organisation.pk, pending, result.batch)
        result.imported += len(pending)
    result.rows_read, result.error_count, result.errors = (
        reader.rows_read,
        reader.error_count,
        reader.errors,
    )
    return result


@transaction.atomic
def _store_imported(organisation_id: int, records: list[ContactOutcome], batch: str) -> None:
    ImportedContact.objects.bulk_create(
        [
            ImportedContact(
                organisation_id=organisation_id,
                arrived_at=r.arrived_at,
                queue=r.queue,
                channel=r.channel,
                topic=r.topic,
                outcome=str(r.outcome),
                waited_ms=seconds_to_ms(r.waited_seconds),
                handled_ms=seconds_to_ms(r.handled_seconds),
                wrap_up_ms=seconds_to_ms(r.wrap_up_seconds),
                agent=r.agent,
                team=r.team,
                location=r.location,
                batch=batch,
            )  # fmt: skip
            for r in records
        ],
        batch_size=2000,
    )
    aggregation.upsert_contact_rows(organisation_id, aggregate_contacts(records))


def do_save_report_settings(
    organisation: Organisation, **values: Any
) -> OrganisationReportSettings:
    row, _ = OrganisationReportSettings.objects.get_or_create(organisation=organisation)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    return row
