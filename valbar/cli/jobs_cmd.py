"""``valbar worker`` and ``valbar beat``: the Celery worker and scheduler of the background
jobs (feed runs, the index outbox, the run sweep, the marketplace's signals).

They are ``celery -A indexer.jobs:celery_app worker`` and ``… beat`` with Valbar's settings
checked first: without ``VALBAR_BROKER_URL`` the jobs run inside ``valbar serve`` and a
worker would wait on an in-memory broker nobody publishes to, so that is refused (exit 1).
Arguments after ``--`` go to Celery unchanged (``valbar worker -- --concurrency 4``).
"""

from __future__ import annotations

from typing import Annotated

import typer
from celery import Celery

from catalog.private_files import private_dir
from catalog.settings import get_settings
from valbar.cli.context import RUNTIME, fail

LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


def _celery_app() -> Celery:
    settings = get_settings()
    if not settings.broker_url:
        fail(
            "VALBAR_BROKER_URL is not set: the jobs run inside `valbar serve`; set it (e.g. "
            "redis://127.0.0.1:6379/0) for the web processes and the worker",
            code=RUNTIME,
        )
    from indexer.jobs import celery_app

    app: Celery = celery_app
    return app


def _loglevel(value: str | None) -> str:
    level = (value or get_settings().log_level).lower()
    if level not in LOG_LEVELS:
        fail(f"--loglevel: {value!r} is not one of {', '.join(LOG_LEVELS)}")
    return level


def worker(
    ctx: typer.Context,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (Celery's default: cores).")
    ] = None,
    loglevel: Annotated[str | None, typer.Option(help="Log level (default: log_level).")] = None,
) -> None:
    """Run a Celery worker for the background jobs (needs VALBAR_BROKER_URL).

    Start one or more beside the web processes; stop it with SIGTERM (a running feed run is
    queued again). Arguments after -- go to Celery unchanged.

    Example: valbar worker --concurrency 2
    """
    app = _celery_app()
    argv = ["worker", "--loglevel", _loglevel(loglevel)]
    if concurrency is not None:
        argv += ["--concurrency", str(concurrency)]
    app.worker_main([*argv, *ctx.args])


def beat(
    ctx: typer.Context,
    loglevel: Annotated[str | None, typer.Option(help="Log level (default: log_level).")] = None,
) -> None:
    """Run Celery beat, the scheduler of the periodic jobs (needs VALBAR_BROKER_URL).

    The feed-run sweep and the index outbox pass. Run exactly one beat for the whole
    installation. Its schedule state is kept in the data dir (celerybeat-schedule), not in
    the current directory. Arguments after -- go to Celery unchanged.

    Example: valbar beat --loglevel info
    """
    app = _celery_app()
    argv = ["beat", "--loglevel", _loglevel(loglevel)]
    if not any(a in ("-s", "--schedule") or a.startswith("--schedule=") for a in ctx.args):
        data_dir = private_dir(get_settings().data_dir)
        argv += ["--schedule", str(data_dir / "celerybeat-schedule")]
    app.start([*argv, *ctx.args])
