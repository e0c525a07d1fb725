"""Prepare the test provider's database: tables, a signing key, one client (Distans)
and its users. Arguments: client id, client secret, redirect URI, then users as
email:password[:last_name]."""

from __future__ import annotations

import os
import sys

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oidc_provider.models import Client, ResponseType  # noqa: E402

client_id, secret, redirect_uri, *users = sys.argv[1:]
call_command("migrate", verbosity=0)
call_command("creatersakey")
client = Client.objects.create(
    name="Distans", client_type="confidential", client_id=client_id, client_secret=secret,
    jwt_alg="RS256", require_consent=False, reuse_consent=True, _redirect_uris=redirect_uri,
    _scope="openid email profile",
)  # fmt: skip
client.response_types.add(ResponseType.objects.get(value="code"))
for spec in users:
    email, password, *last = spec.split(":")
    User.objects.create_user(email.split("@")[0], email, password, last_name=last[0] if last else "")
print("ready", os.environ["OIDC_PROVIDER_DB"])
