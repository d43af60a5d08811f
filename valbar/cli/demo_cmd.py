"""``valbar demo``: build the demo marketplace and serve it."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from valbar.cli.context import open_db

SITE_URL_VARIABLE = "VALBAR_SITE_URL"


def demo_site_url(host: str, port: int) -> str:
    """The base of the demo's links for ``--host``/``--port``: a wildcard interface
    (``0.0.0.0``, ``::``) is reached as ``localhost``; an IPv6 address is bracketed."""
    shown = "localhost" if host in ("", "0.0.0.0", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def demo(
    host: Annotated[str, typer.Option(help="Interface to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    serve: Annotated[
        bool, typer.Option(help="Start the web server when the data is ready.")
    ] = True,
) -> None:
    """Build the demo (GUDID dental catalog, 20 Swedish retailers, feeds, index) and serve it.
    Links in its e-mail lead to --host/--port (unless VALBAR_SITE_URL is set).

    Example: valbar demo --port 8000
    """
    from catalog.settings import get_settings
    from valbar.demo import DEMO_PASSWORD, build_demo
    from valbar.demo_orgs import demo_logins

    # links in the demo's e-mail lead to the server this command starts (the workers
    # uvicorn imports read the same environment)
    os.environ.setdefault(SITE_URL_VARIABLE, demo_site_url(host, port))
    get_settings.cache_clear()
    settings, factory = open_db()
    typer.echo(f"Valbar demo i {settings.data_dir}")
    stats = build_demo(factory, settings, say=typer.echo)
    typer.echo(f"klart: {stats['products']} produkter, {stats['offers']} erbjudanden")
    url = demo_site_url(host, port)
    typer.echo(f"\nÖppna {url}   (API: {url}/docs)\nDemo-inloggningar (lösenord: {DEMO_PASSWORD}):")
    with factory() as session:
        logins = demo_logins(session)
    for login in logins:
        where = f"  {login.organisation}" if login.organisation else ""
        note = f"  ({login.note})" if login.note else ""
        typer.echo(f"  {login.role:14} {login.email:44} {login.name}{where}{note}")
    if serve:
        import uvicorn

        from catalog.logs import logging_config

        # X-Forwarded-For is read by the app, only from settings.trusted_proxies
        # (api/client_ip.py): uvicorn's own handling trusts 127.0.0.1, so any local client
        # could name any address and slip past the sign-in throttle and the rate limits
        uvicorn.run(
            "valbar.app:create_app",
            factory=True,
            host=host,
            port=port,
            log_level=settings.log_level,
            log_config=logging_config(settings),
            proxy_headers=False,
        )
