"""``valbar serve``: run the HTTP API (and the UI) with uvicorn."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

APP = "valbar.app:create_app"


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes (they share rate limits via Redis, else a file).", min=1
        ),
    ] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    access_log: Annotated[
        bool | None,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log every request (default: on, except with VALBAR_ENVIRONMENT=production, "
            "where the reverse proxy keeps the access log).",
        ),
    ] = None,
) -> None:
    """Serve the Valbar API under /api/v1 (OpenAPI docs at /docs) and the web UI.

    Settings come from configs/valbar.toml and VALBAR_* environment variables.

    Example: valbar serve --host 0.0.0.0 --port 8000 --workers 4
    """
    import importlib.util

    import uvicorn

    from catalog.logs import logging_config
    from catalog.secret_key import SecretKeyError, resolve_secret_key
    from catalog.settings import get_settings
    from valbar.serving import (
        StartupFailed,
        Supervisor,
        WorkerSpec,
        shared_metrics_dir,
        spreads_connections,
    )

    try:  # made (or checked) once here, before any worker starts
        resolve_secret_key(get_settings())
    except (SecretKeyError, OSError) as exc:
        typer.echo(f"error: the cookie secret key is unusable: {exc}", err=True)
        raise typer.Exit(3) from exc
    production = get_settings().environment == "production"
    if access_log is None:
        access_log = not production
    # uvicorn picks uvloop and httptools ("auto") when they are installed (dependencies of
    # valbar); without them it falls back to asyncio and h11, several times slower per request.
    missing = [m for m in ("httptools", "uvloop") if importlib.util.find_spec(m) is None]
    if production and missing:
        typer.echo(f"warning: {', '.join(missing)} not installed: slow HTTP serving", err=True)

    if os.environ.get("FORWARDED_ALLOW_IPS") and not get_settings().trusted_proxies:
        # uvicorn's and gunicorn's setting: Valbar reads the forwarded headers itself
        typer.echo(
            "warning: FORWARDED_ALLOW_IPS is not used by valbar serve; set "
            "VALBAR_TRUSTED_PROXIES (e.g. '[\"10.0.0.2\"]') to the proxy's address so "
            "X-Forwarded-For and X-Forwarded-Proto are believed from it",
            err=True,
        )
    if reload and workers > 1:
        raise typer.BadParameter("--reload runs a single process; drop --workers")
    # the workers share rate limits through Redis or, without it, a file (api/ratelimit.py)
    os.environ["VALBAR_WEB_WORKERS"] = str(workers)
    get_settings.cache_clear()
    settings = get_settings()
    options: dict[str, Any] = {
        "factory": True,
        # X-Forwarded-For is read by the app, only from settings.trusted_proxies
        # (api/client_ip.py); uvicorn's own handling would trust 127.0.0.1
        "proxy_headers": False,
        "access_log": access_log,
        "loop": "auto",
        "http": "auto",
        # Valbar's loggers and uvicorn's through one handler at settings.log_level, with the
        # request id on every line (catalog/logs.py); JSON lines with VALBAR_LOG_JSON=true.
        # uvicorn applies it in each worker, the supervisor in its own process
        "log_config": logging_config(settings),
        "log_level": settings.log_level,
    }
    if workers == 1:
        uvicorn.run(APP, host=host, port=port, workers=workers, reload=reload, **options)
        return
    # a scrape of /metrics reaches one worker: they share their counters through files
    with shared_metrics_dir():
        if not spreads_connections():
            uvicorn.run(APP, host=host, port=port, workers=workers, **options)
            return
        # One SO_REUSEPORT socket per worker: connections spread evenly (valbar/serving.py).
        try:
            Supervisor(WorkerSpec(APP, host, port, options), workers).run()
        except OSError as exc:
            raise typer.BadParameter(f"cannot serve on {host}:{port}: {exc}") from exc
        except StartupFailed as exc:
            typer.echo(f"error: the server could not start: {exc}", err=True)
            raise typer.Exit(3) from exc
