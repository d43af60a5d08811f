"""``valbar demo``: build the demo marketplace and serve it."""

from __future__ import annotations

from typing import Annotated

import typer

from valbar.cli.context import open_db


def demo(
    host: Annotated[str, typer.Option(help="Interface to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    serve: Annotated[
        bool, typer.Option(help="Start the web server when the data is ready.")
    ] = True,
) -> None:
    """Build the demo (GUDID dental catalog, 20 Swedish retailers, feeds, index) and serve it.

    Example: valbar demo --port 8000
    """
    from valbar.demo import DEMO_PASSWORD, DEMO_USERS, build_demo

    settings, factory = open_db()
    typer.echo(f"Valbar demo i {settings.data_dir}")
    stats = build_demo(factory, settings, say=typer.echo)
    typer.echo(f"klart: {stats['products']} produkter, {stats['offers']} erbjudanden")
    url = f"http://{host}:{port}"
    typer.echo(f"\nÖppna {url}   (API: {url}/docs)\nDemo-inloggningar (lösenord: {DEMO_PASSWORD}):")
    for email, name, _clinic, role, _slug in DEMO_USERS:
        typer.echo(f"  {role:13} {email:24} {name}")
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
