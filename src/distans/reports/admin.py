from __future__ import annotations

from distans.accounts.admin import OrgScopedAdmin, site
from distans.reports.models import OrganisationReportSettings

site.register(OrganisationReportSettings, OrgScopedAdmin)
