"""The project's own plumbing: docker-compose, Dockerfile, Makefile, bin/ scripts, CI entry.

These read files only (no Docker, no database), so they run everywhere in milliseconds.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict] = COMPOSE["services"]
APP_SERVICES = {"migrate", "web", "worker", "beat"}
IMAGE_SERVICES = {"postgres", "redis", "mailpit"}
BIN_SCRIPTS = ["web", "worker", "beat", "migrate", "run", "bootstrap", "compilemessages"]


def command_words(value: str | list[str]) -> list[str]:
    return shlex.split(value) if isinstance(value, str) else list(value)


def project_executable(word: str) -> Path | None:
    """``word`` as an executable file inside the project, or None."""
    path = (ROOT / word).resolve()
    if ROOT in path.parents and path.is_file() and os.access(path, os.X_OK):
        return path
    return None


def test_compose_has_the_expected_services() -> None:
    assert set(SERVICES) >= APP_SERVICES | IMAGE_SERVICES


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_compose_command_is_an_executable_project_file(name: str) -> None:
    service = SERVICES[name]
    words = [
        *command_words(service.get("entrypoint", [])),
        *command_words(service.get("command", [])),
    ]
    if "build" in service:
        assert words, f"{name}: an application service needs an explicit command from bin/"
        assert words[0].startswith("bin/"), f"{name}: command should be a script in bin/"
        assert project_executable(words[0]), f"{name}: {words[0]} is missing or not executable"
    else:
        # Third-party images (postgres, redis, mailpit) run their own command.
        assert "image" in service, f"{name}: neither build nor image"
        if words:
            assert not words[0].startswith(("bin/", "./")), (
                f"{name}: image cannot see project files"
            )


def test_app_services_use_their_own_bin_script() -> None:
    for name in APP_SERVICES:
        assert command_words(SERVICES[name]["command"]) == [f"bin/{name}"]


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_services_get_database_redis_and_mail_settings(name: str) -> None:
    env = SERVICES[name]["environment"]
    for key in ("DATABASE_URL", "DATABASE_OWNER_URL", "REDIS_URL", "MAIL_BACKEND", "MAIL_HOST"):
        assert key in env, f"{name}: {key} missing"
    assert "kontor_app" in env["DATABASE_URL"]
    assert "kontor:" in env["DATABASE_OWNER_URL"]
    assert env["DJANGO_SETTINGS_MODULE"] == "crm.settings.production"
    # Django 6.1 configures mail with MAILERS; EMAIL_* settings would clash with it.
    assert not [key for key in env if key.startswith("EMAIL_")]


def test_app_services_wait_for_migrations() -> None:
    for name in APP_SERVICES - {"migrate"}:
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
    assert SERVICES["migrate"]["restart"] == "no"


def test_postgres_init_scripts_exist_and_create_both_roles() -> None:
    mounts = [v.split(":") for v in SERVICES["postgres"]["volumes"] if isinstance(v, str)]
    init = [src for src, dest, *_ in mounts if dest == "/docker-entrypoint-initdb.d"]
    assert init, "postgres needs the init scripts mounted"
    scripts = sorted((ROOT / init[0]).glob("*.sh"))
    assert scripts
    sql = "\n".join(script.read_text() for script in scripts)
    assert re.search(r"CREATE ROLE kontor\b.*NOBYPASSRLS", sql)
    assert re.search(r"CREATE ROLE kontor_app\b.*NOSUPERUSER NOBYPASSRLS", sql)
    assert "CREATE DATABASE kontor OWNER kontor" in sql
    for script in scripts:
        assert os.access(script, os.X_OK), f"{script} is not executable"


def test_mailpit_is_the_mail_sink() -> None:
    assert SERVICES["mailpit"]["image"].startswith("axllent/mailpit")
    assert SERVICES["web"]["environment"]["MAIL_HOST"].endswith("mailpit}")


def test_dockerfile_runs_as_non_root_with_web_as_default() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.12-slim" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE)
    assert "collectstatic" in dockerfile
    assert 'CMD ["bin/web"]' in dockerfile


@pytest.mark.parametrize("name", BIN_SCRIPTS)
def test_bin_scripts_are_executable(name: str) -> None:
    path = ROOT / "bin" / name
    assert path.is_file(), f"bin/{name} missing"
    assert os.access(path, os.X_OK), f"bin/{name} is not executable"
    assert path.read_text().startswith("#!"), f"bin/{name} needs a shebang"


def test_process_scripts_use_the_documented_defaults() -> None:
    web = (ROOT / "bin" / "web").read_text()
    assert "${BIND:-127.0.0.1:8000}" in web and "${WEB_CONCURRENCY:-2}" in web
    assert "crm.wsgi" in web
    worker = (ROOT / "bin" / "worker").read_text()
    assert "celery -A crm worker" in worker and "${CELERY_CONCURRENCY:-2}" in worker
    beat = (ROOT / "bin" / "beat").read_text()
    assert "celery -A crm beat" in beat and "var/celerybeat-schedule" in beat


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z-]*):", text, re.MULTILINE))


def test_makefile_has_the_documented_targets() -> None:
    assert {"run", "test", "lint", "bench", "clean", "install"} <= makefile_targets()


def test_make_test_runs_the_whole_check() -> None:
    text = (ROOT / "Makefile").read_text()
    recipe = text.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    for step in (
        "ruff check",
        "ruff format --check",
        "makemigrations --check --dry-run",
        "check --deploy --fail-level WARNING",
        "crm.settings.production",
        "compilemessages",
        "pytest",
    ):
        assert step in recipe, f"make test does not run {step!r}"


def test_ci_entry_point_runs_make_test() -> None:
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    text = ci.read_text()
    assert "set -euo pipefail" in text
    assert "make test" in text
    assert "KONTOR_PG_SUPERUSER_URL" in text


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert readme.index("make run") < readme.index("docker compose")
    assert "make test" in readme
    assert "kontor-demo" in readme


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_the_logins() -> None:
    from io import StringIO

    from allauth.account.models import EmailAddress
    from django.core.management import call_command

    from accounts.models import Membership, Tenant, User
    from accounts.roles import Role

    first, second = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=second)

    acme, globex = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="globex")
    assert (acme.default_language, acme.time_zone, acme.default_currency) == (
        "de",
        "Europe/Berlin",
        "EUR",
    )
    assert (globex.default_language, globex.time_zone, globex.default_currency) == (
        "en",
        "America/New_York",
        "USD",
    )
    for tenant in (acme, globex):
        roles = sorted(Membership.objects.filter(tenant=tenant).values_list("role", flat=True))
        assert roles == sorted(Role.values)
    assert Membership.objects.count() == 2 * len(Role.values)
    from accounts.tenancy import tenant_context
    from crm.demo import DEMO_ACTIVITIES, DEMO_COMPANIES, DEMO_CONTACTS
    from crm.models import Activity, Company, Contact

    for tenant in (acme, globex):  # records once, owned by the workspace's own people
        with tenant_context(tenant):
            assert Contact.objects.count() == DEMO_CONTACTS
            assert Company.objects.count() == DEMO_COMPANIES
            assert Activity.objects.count() == DEMO_ACTIVITIES
            owners = set(Contact.objects.values_list("owner__memberships__tenant", flat=True))
            assert owners <= {tenant.pk, None}
    rep = User.objects.get(email="rep@acme.example")
    assert rep.check_password("kontor-demo")
    assert EmailAddress.objects.filter(user=rep, verified=True, primary=True).exists()
    assert "created" in first.getvalue()
    assert "nothing to do" in second.getvalue()
    assert "rep@globex.example" in second.getvalue() and "kontor-demo" in second.getvalue()


def test_every_beat_entry_names_a_registered_task() -> None:
    """A typo in CELERY_BEAT_SCHEDULE would only show as a worker error at night."""
    import importlib
    import importlib.util

    from django.apps import apps
    from django.conf import settings

    from crm.celery import app

    # What the worker's autodiscovery imports: every installed app's ``tasks`` module.
    for config in apps.get_app_configs():
        if importlib.util.find_spec(f"{config.name}.tasks"):
            importlib.import_module(f"{config.name}.tasks")
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert names and names <= set(app.tasks), names - set(app.tasks)
