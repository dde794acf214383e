"""A scripted `DialogueEngine` for the Telegram channel tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.messages import BotReply, TurnResult, UserTurn
from core.lang import detect_lang

Script = Callable[[UserTurn], Awaitable[TurnResult] | TurnResult]


class ScriptedDialogue:
    """Records every turn and answers with `script(turn)` (sync or async); the default echoes the text."""

    def __init__(self, script: Script | None = None) -> None:
        self.turns: list[UserTurn] = []
        self._script = script or echo

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Record `turn` and return the scripted result (or raise what the script raises)."""
        self.turns.append(turn)
        result = self._script(turn)
        if isinstance(result, TurnResult):
            return result
        return await result

    def set_script(self, script: Script) -> None:
        """Answer later turns with `script`."""
        self._script = script


def echo(turn: UserTurn) -> TurnResult:
    """Reply `echo: <text>` in the turn's language (explicit, else detected, else zh)."""
    lang = turn.lang or detect_lang(turn.text) or "zh"
    return TurnResult(replies=[BotReply(text=f"echo: {turn.text}")], lang=lang)
