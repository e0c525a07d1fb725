"""The `distans` command, configuration from the environment, the process-layout
check and the background task worker."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from distans.cli.main import main
from distans.config import env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_cli(*args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # The embedded default (SQLite under DISTANS_VAR_DIR) unless a test says otherwise,
    # also when the suite itself runs on PostgreSQL.
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    environment.update(extra_env or {})
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "distans", *args], capture_output=True, text=True, env=environment, timeout=120
    )


def test_version_works_before_any_configuration(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("distans ")


def test_a_bad_database_url_is_one_clear_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", extra_env={"DATABASE_URL": "mysql://x/y", "DISTANS_VAR_DIR": str(tmp_path)})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DATABASE_URL" in lines[0] and "Traceback" not in result.stderr


def test_several_workers_need_redis_and_postgresql(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", "--workers", "2", extra_env={"DISTANS_VAR_DIR": str(tmp_path), "REDIS_URL": ""})
    assert result.returncode == 1
    assert "REDIS_URL" in result.stderr and "PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr


def test_one_process_on_sqlite_passes_the_check(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("migrate", "--quiet", extra_env={"DISTANS_VAR_DIR": str(tmp_path)}).returncode == 0
    result = run_cli("check", extra_env={"DISTANS_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "sqlite" in result.stdout


def test_createadmin_makes_an_org_admin_and_refuses_a_weak_password(tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = {"DISTANS_VAR_DIR": str(tmp_path)}
    run_cli("migrate", "--quiet", extra_env=base)
    weak = run_cli("createadmin", "--email", "a@b.se", "--name", "A B", "--organisation", "Kommun",
                   extra_env={**base, "DISTANS_ADMIN_PASSWORD": "123"})
    assert weak.returncode == 1 and len(weak.stderr.strip().splitlines()) == 1
    ok = run_cli("createadmin", "--email", "a@b.se", "--name", "A B", "--organisation", "Kommun",
                 extra_env={**base, "DISTANS_ADMIN_PASSWORD": "a-long-enough-passphrase"})
    assert ok.returncode == 0, ok.stderr
    again = run_cli("createadmin", "--email", "a@b.se", "--name", "A B", "--organisation", "Kommun",
                    extra_env={**base, "DISTANS_ADMIN_PASSWORD": "a-long-enough-passphrase"})
    assert again.returncode == 1 and "already exists" in again.stderr


def test_typed_environment_helpers_name_the_variable(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(env.ConfigError, match="DEBUG"):
        env.env_bool("DEBUG")
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(env.ConfigError, match="EMAIL_PORT"):
        env.env_int("EMAIL_PORT", 25)
    monkeypatch.setenv("REDIS_URL", "http://nope")
    with pytest.raises(env.ConfigError, match="REDIS_URL"):
        env.redis_url()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(env.ConfigError, match="SECRET_KEY"):
        env.secret_key(debug=False)
    assert env.parse_database_url("X", "postgresql://u:p%40ss@db.example:5433/distans").as_django()["PASSWORD"] == "p@ss"
    assert env.parse_database_url("X", "sqlite:////tmp/x.db").name == "/tmp/x.db"
    assert env.parse_database_url("X", "sqlite:///var/x.db").name == "var/x.db"


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_runs_enqueued_tasks() -> None:
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    from distans.accounts.models import LoginFailure
    from distans.accounts.tasks import prune_login_failures

    LoginFailure.objects.create(email="old@x.se", at=timezone.now() - timedelta(days=2))
    LoginFailure.objects.create(email="new@x.se")
    result = prune_login_failures.enqueue()
    Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="test", excluded_queue_names=[]).run()
    assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"
    assert list(LoginFailure.objects.values_list("email", flat=True)) == ["new@x.se"]


def test_check_warns_about_debug_and_https_without_hsts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = {"DISTANS_VAR_DIR": str(tmp_path)}
    assert run_cli("migrate", "--quiet", extra_env=base).returncode == 0
    debug = run_cli("check", extra_env={**base, "DEBUG": "1"})
    assert debug.returncode == 0, debug.stderr
    assert "DEBUG is on" in debug.stderr and "1 warning" in debug.stdout
    https = run_cli("check", extra_env={**base, "SESSION_COOKIE_SECURE": "1"})
    assert "HSTS is off" in https.stderr
    hsts = run_cli("check", extra_env={**base, "SESSION_COOKIE_SECURE": "1", "DISTANS_HSTS_SECONDS": "31536000"})
    assert "warning" not in hsts.stderr and "configuration ok;" in hsts.stdout


@pytest.mark.django_db
def test_hsts_header_on_https_when_configured(settings) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    assert "Strict-Transport-Security" not in Client().get("/healthz", secure=True)
    settings.SECURE_HSTS_SECONDS = 31536000  # SecurityMiddleware reads it when built
    assert Client().get("/healthz", secure=True)["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.django_db
def test_serve_believes_forwarded_headers_only_from_configured_proxies(monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    calls: list[dict] = []  # type: ignore[type-arg]
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append(kw))
    for name in ("DISTANS_SERVE_WORKERS", "DISTANS_SEPARATE_WORKER", "DISTANS_EMBEDDED_BACKGROUND"):
        monkeypatch.setenv(name, os.environ.get(name, ""))  # restored after the test
    settings.DISTANS_TRUSTED_PROXIES = []
    assert main(["serve", "--port", "0"]) == 0
    assert calls[-1]["proxy_headers"] is False and calls[-1]["forwarded_allow_ips"] == ""
    settings.DISTANS_TRUSTED_PROXIES = ["10.0.0.5", "10.0.0.6"]
    assert main(["serve", "--port", "0"]) == 0
    assert calls[-1]["proxy_headers"] is True and calls[-1]["forwarded_allow_ips"] == "10.0.0.5,10.0.0.6"
