"""Logging configured from settings: level, plain or JSON lines, the request id; Valbar's
INFO lines are written under uvicorn (they were dropped by the last-resort handler)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from catalog.logs import logging_config
from catalog.settings import Settings


def _run(code: str, tmp_path: Path, **env: str) -> str:
    """Run ``code`` in a fresh interpreter (its own root logger); its stderr."""
    import os

    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, "VALBAR_DATA_DIR": str(tmp_path / "var"), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stderr


def test_json_lines_with_level_from_settings(tmp_path: Path) -> None:
    err = _run(
        """
        import logging
        from catalog.logs import configure_logging, request_id_var
        from catalog.settings import get_settings
        configure_logging(get_settings())
        logging.getLogger("api.x").debug("hidden")
        logging.getLogger("api.x").info("shown")
        request_id_var.set("r-1")
        logging.getLogger("uvicorn.access").info("GET / 200")
        """,
        tmp_path,
        VALBAR_LOG_JSON="true",
        VALBAR_LOG_LEVEL="info",
    )
    records = [json.loads(line) for line in err.splitlines()]
    assert [(r["logger"], r["message"], r["request_id"]) for r in records] == [
        ("api.x", "shown", None),
        ("uvicorn.access", "GET / 200", "r-1"),
    ]
    assert all(r["level"] == "INFO" and r["time"].endswith("+00:00") for r in records)


def test_plain_lines_carry_the_request_id() -> None:
    config = logging_config(Settings(log_level="debug"))
    assert config["root"]["level"] == "DEBUG"
    assert "%(request_id)s" in config["formatters"]["valbar"]["format"]
    assert config["loggers"]["uvicorn.access"]["propagate"] is True


def test_the_app_configures_logging_when_the_server_did_not(tmp_path: Path) -> None:
    # uvicorn --factory (or gunicorn) configures its own loggers only: before, the app's
    # INFO lines went to Python's last-resort handler, which drops everything below WARNING
    err = _run(
        """
        import logging
        logging.getLogger("uvicorn.error").addHandler(logging.StreamHandler())
        from valbar.app import create_app
        create_app()
        logging.getLogger("api.housekeeping").info("housekeeping: {}")
        """,
        tmp_path,
        VALBAR_ENVIRONMENT="test",
    )
    assert "INFO" in err and "api.housekeeping [-] housekeeping: {}" in err


def test_a_celery_worker_logs_through_valbar(tmp_path: Path) -> None:
    # Celery's setup_logging signal: Valbar's handler, at the worker's --loglevel
    err = _run(
        """
        import logging
        from celery.signals import setup_logging
        import indexer.jobs  # connects the receiver
        setup_logging.send(sender=None, loglevel=logging.DEBUG, logfile=None, format="",
                           colorize=False)
        logging.getLogger("valbar.jobs").debug("a debug line")
        """,
        tmp_path,
        VALBAR_LOG_JSON="true",
    )
    (record,) = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert (record["logger"], record["level"], record["message"]) == (
        "valbar.jobs",
        "DEBUG",
        "a debug line",
    )


def test_link_tokens_are_redacted_in_access_lines(tmp_path: Path) -> None:
    # uvicorn's access line carries the whole URL as an argument: a password reset's token
    # (a query value) and an invitation's or a confirmation's (a path segment) stay out
    err = _run(
        """
        import logging
        from catalog.logs import configure_logging
        from catalog.settings import get_settings
        configure_logging(get_settings())
        access = logging.getLogger("uvicorn.access")
        line = '%s - "%s %s HTTP/%s" %d'
        for path in (
            "/konto/nytt-losenord?token=SECRET1&lang=en",
            "/inbjudan/SECRET2",
            "/bekrafta-registrering/SECRET3?x=1",
            "/api/v1/x?api_key=SECRET4",
            "/sok?q=token",
        ):
            access.info(line, "127.0.0.1:5000", "GET", path, "1.1", 200)
        """,
        tmp_path,
        VALBAR_LOG_LEVEL="info",
    )
    assert "SECRET" not in err
    assert '"GET /konto/nytt-losenord?token=[redacted]&lang=en HTTP/1.1" 200' in err
    assert '"GET /inbjudan/[redacted] HTTP/1.1"' in err
    assert '"GET /bekrafta-registrering/[redacted]?x=1 HTTP/1.1"' in err
    assert '"GET /api/v1/x?api_key=[redacted] HTTP/1.1"' in err
    assert '"GET /sok?q=token HTTP/1.1"' in err  # other values are kept
