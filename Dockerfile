# Kontor's application image: web, worker, beat and migrate all run from it (see
# docker-compose.yml); the command picks the role: bin/web (default), bin/worker, bin/beat,
# bin/migrate.
FROM python:3.12-slim

ARG UV_VERSION=0.13.9
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH

RUN pip install --no-cache-dir "uv==${UV_VERSION}" \
    && useradd --system --create-home --home-dir /home/kontor --uid 10001 kontor

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project --no-cache

COPY . .

# Static files are collected (hashed and compressed by whitenoise) and the catalogues compiled
# at build time; the throwaway key only lets the production settings load.
RUN SECRET_KEY=build-only-not-a-secret DJANGO_SETTINGS_MODULE=crm.settings.production \
        python manage.py collectstatic --no-input --verbosity 0 \
    && python bin/compilemessages \
    && mkdir -p var/media \
    && chown -R kontor:kontor var

USER kontor

ENV DJANGO_SETTINGS_MODULE=crm.settings.production \
    BIND=0.0.0.0:8000
EXPOSE 8000
CMD ["bin/web"]
