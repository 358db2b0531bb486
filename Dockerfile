# Aftersales Graph: the GraphQL API on the embedded demo data set (or a prepared data set mounted at /data).
FROM python:3.11-slim AS build
WORKDIR /src
# the dependencies' wheels first, in a layer keyed on pyproject.toml alone: a change of the code reuses it
COPY pyproject.toml .
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > requirements.txt \
    && pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt
# the build context is the checkout less what .dockerignore leaves out; pyproject.toml says what goes in the wheel
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 aftersales
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*.whl && rm -rf /wheels
USER 10001
# production by default (no GraphiQL, no introspection, no suggestions); -e AFTERSALES_PRODUCTION=0 for development
ENV AFTERSALES_CACHE_DIR=/home/aftersales/cache \
    AFTERSALES_PRODUCTION=1 \
    PYTHONDONTWRITEBYTECODE=1
# prepare the demo data set at build time, so that a container starts in about a second
RUN python -c "from pathlib import Path; from demo import ensure_demo_data; ensure_demo_data(Path('/home/aftersales/cache'))"
EXPOSE 8000
# liveness, not readiness: while the event bus is down /readyz is 503, but restarting the container would not help
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]
CMD ["aftersales", "serve", "--host", "0.0.0.0", "--port", "8000"]
