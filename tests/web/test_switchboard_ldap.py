"""The directory imported from a real OpenLDAP server (Debian's ``slapd``, started here
on a free port with a throw-away configuration and database): people come in with
their department, role, numbers and e-mail; a second import updates by the entry's
UUID and deletes nobody; the import is audited; a wrong password is a clear error."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import require_service
from tests.factories import make_organisation, make_person

from distans.accounts.models import AuditEntry
from distans.core.errors import InvalidInput
from distans.switchboard import actions, queries
from distans.switchboard.models import DirectoryEntry

pytestmark = pytest.mark.django_db
SLAPD = "/usr/sbin/slapd"
SUFFIX = "dc=kommun,dc=example"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "hemligt-ldap"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def slapd(tmp_path: Path) -> Iterator[str]:
    require_service("ldap", Path(SLAPD).exists() and Path("/etc/ldap/schema/inetorgperson.schema").exists(),
                    "slapd (OpenLDAP) is not installed: apt-get install slapd ldap-utils")
    (tmp_path / "db").mkdir()
    conf = tmp_path / "slapd.conf"
    conf.write_text(
        "include /etc/ldap/schema/core.schema\n"
        "include /etc/ldap/schema/cosine.schema\n"
        "include /etc/ldap/schema/inetorgperson.schema\n"
        "modulepath /usr/lib/ldap\n"
        "moduleload back_mdb\n"
        f"pidfile {tmp_path}/slapd.pid\n"
        "database mdb\n"
        "maxsize 10485760\n"
        f'suffix "{SUFFIX}"\n'
        f'rootdn "{ROOT_DN}"\n'
        f"rootpw {ROOT_PASSWORD}\n"
        f"directory {tmp_path}/db\n"
    )
    port = _free_port()
    url = f"ldap://127.0.0.1:{port}"
    process = subprocess.Popen([SLAPD, "-d", "0", "-f", str(conf), "-h", f"{url}/"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"slapd stopped: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        _seed(url)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(tmp_path / "db", ignore_errors=True)


PEOPLE = [
    ("aoberg", "Åsa Öberg", "Bygglovshandläggare", "Samhällsbyggnadsförvaltningen", "+4655520001", "+46701234567", "asa.oberg@kommun.example"),
    ("pstrand", "Per Strand", "Rektor", "Barn- och utbildningsförvaltningen", "+4655520002", None, "per.strand@kommun.example"),
    ("ldahl", "Lena Dahl", "Socialsekreterare", "Socialförvaltningen", None, None, None),
]


def _connection(url: str):  # type: ignore[no-untyped-def]
    import ldap3

    return ldap3.Connection(ldap3.Server(url), user=ROOT_DN, password=ROOT_PASSWORD, auto_bind=True)


def _seed(url: str) -> None:
    connection = _connection(url)
    assert connection.add(SUFFIX, ["dcObject", "organization"], {"dc": "kommun", "o": "Västerby kommun"})
    assert connection.add(f"ou=people,{SUFFIX}", ["organizationalUnit"], {"ou": "people"})
    for uid, name, title, department, phone, mobile, mail in PEOPLE:
        attributes = {"cn": name, "sn": name.split()[-1], "displayName": name, "title": title, "ou": department,
                      "description": "bygglov rivningslov" if uid == "aoberg" else []}
        for key, value in (("telephoneNumber", phone), ("mobile", mobile), ("mail", mail)):
            if value:
                attributes[key] = value
        attributes = {k: v for k, v in attributes.items() if v}
        assert connection.add(f"uid={uid},ou=people,{SUFFIX}", ["inetOrgPerson"], attributes), connection.result
    connection.unbind()


def _configure(org, url: str, password: str = ROOT_PASSWORD):  # type: ignore[no-untyped-def]
    admin = make_person(org, is_org_admin=True)
    actions.do_save_directory_source(org.pk, admin, {
        "ldap_url": url, "bind_dn": ROOT_DN, "bind_password": password,
        "base_dn": f"ou=people,{SUFFIX}", "user_filter": "(objectClass=inetOrgPerson)",
    })
    return admin


def test_people_come_in_from_openldap_and_a_second_import_updates_without_deleting(slapd: str) -> None:
    org = make_organisation()
    admin = _configure(org, slapd)
    manual = actions.do_save_entry(org.pk, admin, {"name": "Receptionen", "phone": "+4655510000"})
    result = actions.do_import_directory_ldap(org.pk, admin)
    assert (result.created, result.updated, result.problems) == (3, 0, [])
    asa = DirectoryEntry.objects.get(organisation=org, name="Åsa Öberg")
    assert (asa.title, asa.department, asa.phone, asa.mobile, asa.email, asa.source) == (
        "Bygglovshandläggare", "Samhällsbyggnadsförvaltningen", "+4655520001", "+46701234567",
        "asa.oberg@kommun.example", "ldap")
    assert asa.external_id.startswith("ldap:") and len(asa.external_id) > 20  # the entryUUID
    assert [e.name for e in queries.find(org.pk, "rivningslov")] == ["Åsa Öberg"]

    connection = _connection(slapd)
    import ldap3

    connection.modify(f"uid=pstrand,ou=people,{SUFFIX}", {"title": [(ldap3.MODIFY_REPLACE, ["Förvaltningschef"])]})
    connection.delete(f"uid=ldahl,ou=people,{SUFFIX}")
    connection.unbind()
    again = actions.do_import_directory_ldap(org.pk, admin)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert again.kept == 2  # Lena (gone from LDAP) and the reception are kept
    assert DirectoryEntry.objects.get(organisation=org, name="Per Strand").title == "Förvaltningschef"
    assert DirectoryEntry.objects.filter(pk=manual.pk).exists()
    assert DirectoryEntry.objects.filter(organisation=org, name="Lena Dahl").exists()
    audits = AuditEntry.objects.filter(organisation=org, action="directory.imported_ldap").order_by("at")
    assert [a.changes["after"]["created"] for a in audits] == [3, 0]
    assert all(a.actor == admin for a in audits)


def test_a_wrong_password_is_a_clear_error_and_imports_nothing(slapd: str) -> None:
    org = make_organisation()
    _configure(org, slapd, password="fel")
    with pytest.raises(InvalidInput, match="invalidCredentials|credentials"):
        actions.do_import_directory_ldap(org.pk, None)
    assert not DirectoryEntry.objects.filter(organisation=org).exists()
