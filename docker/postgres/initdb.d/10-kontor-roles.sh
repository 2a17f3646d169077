#!/bin/bash
# Runs once, when the postgres container initialises an empty data volume (as the superuser).
# Creates Kontor's two roles and its database:
#   kontor      owns the schema and runs the migrations (DATABASE_OWNER_URL)
#   kontor_app  what web/worker/beat connect as (DATABASE_URL): owns nothing, no superuser,
#               no BYPASSRLS, so PostgreSQL's row-level security applies to all it does.
# The app role is granted table access by `manage.py migrate` (accounts' post_migrate hook).
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v owner_password="${KONTOR_OWNER_DB_PASSWORD:?}" \
    -v app_password="${KONTOR_APP_DB_PASSWORD:?}" <<'SQL'
CREATE ROLE kontor LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE
    PASSWORD :'owner_password';
CREATE ROLE kontor_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE
    PASSWORD :'app_password';
CREATE DATABASE kontor OWNER kontor;
SQL
