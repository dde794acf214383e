"""`python -m bot.wechat menu`: create the Official Account's custom menu through the API."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import httpx
import typer

from bot.settings import BotSettings
from bot.wechat.api import WeChatApi, WeChatApiError
from bot.wechat.menu import DEFAULT_MENU, load_menu
from core.errors import NonghuiError
from core.settings import secret_value

app = typer.Typer(help="WeChat Official Account commands.", no_args_is_help=True, add_completion=False)


@app.callback()
def _commands() -> None:
    """WeChat Official Account commands."""


async def _create_menu(settings: BotSettings, body: dict[str, object]) -> None:
    from bot.shared_state import open_shared_state
    from store.db import make_engine, migrate, session_factory

    secret = secret_value(settings.wechat_app_secret)
    if not settings.wechat_app_id or secret is None:
        raise NonghuiError("set NONGHUI_WECHAT_APP_ID and NONGHUI_WECHAT_APP_SECRET first")
    engine = make_engine(settings.resolved_database_url)
    try:
        await asyncio.to_thread(migrate, engine)
        state = open_shared_state(settings, session_factory(engine))
        async with httpx.AsyncClient() as http:
            api = WeChatApi(
                http,
                base_url=settings.wechat_api_base_url,
                app_id=settings.wechat_app_id,
                app_secret=secret,
                state=state,
            )
            await api.create_menu(body)
    finally:
        engine.dispose()


@app.command("menu")
def menu(
    file: Annotated[
        Path | None, typer.Option(help="Menu YAML (default: the setting, else bot/wechat/menu.yaml).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the request without sending it.")] = False,
) -> None:
    """Check the menu file and create the menu (贷款 / 保险 / 防骗) through the API."""
    settings = BotSettings()
    try:
        body = load_menu(file or settings.wechat_menu_file or DEFAULT_MENU).request()
        if dry_run:
            typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
            return
        asyncio.run(_create_menu(settings, body))
    except WeChatApiError as err:
        typer.secho(f"error: WeChat refused the menu (errcode {err.code})", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None
    except NonghuiError as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"menu created: {', '.join(str(b['name']) for b in body['button'])}")


if __name__ == "__main__":
    app()
