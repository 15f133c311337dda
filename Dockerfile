# One image for web, live, worker and beat (see docker-compose.yml): web serves WSGI (gunicorn); live serves the
# smart site's event streams over ASGI (uvicorn, portal/asgi.py), where a waiting browser holds no worker.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=portal.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends \
      fonts-wqy-zenhei libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext libpq-dev gcc \
      postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN SECRET_KEY=build ALLOWED_HOSTS=localhost python manage.py compilemessages -l zh_Hans --ignore=.venv \
    && SECRET_KEY=build ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput
RUN useradd --system --home /app portal && mkdir -p /app/var && chown -R portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
