"""The account's custom menu: read from a YAML file (bot/wechat/menu.yaml by default), checked against WeChat's
limits and turned into the `menu/create` request; a tap arrives as a CLICK event whose key is the payload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from core.errors import NonghuiError

DEFAULT_MENU = Path(__file__).resolve().parent / "menu.yaml"


class MenuError(NonghuiError):
    """A menu file WeChat would refuse."""


def _bytes_at_most(limit: int, value: str) -> str:
    if not value.strip() or len(value.encode("utf-8")) > limit:
        raise ValueError(f"must be 1–{limit} bytes of UTF-8")
    return value


class MenuItem(BaseModel):
    """A sub-item: its title and the payload a tap sends."""

    name: str
    payload: str

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _bytes_at_most(60, value)

    @field_validator("payload")
    @classmethod
    def _payload(cls, value: str) -> str:
        return _bytes_at_most(128, value)


class MenuButton(BaseModel):
    """A top-level button with 1–5 sub-items."""

    name: str
    items: list[MenuItem] = Field(min_length=1, max_length=5)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _bytes_at_most(16, value)


class Menu(BaseModel):
    """1–3 buttons."""

    buttons: list[MenuButton] = Field(min_length=1, max_length=3)

    def request(self) -> dict[str, Any]:
        """The body of `menu/create`: click sub-buttons whose key is the payload."""
        return {
            "button": [
                {
                    "name": button.name,
                    "sub_button": [{"type": "click", "name": item.name, "key": item.payload} for item in button.items],
                }
                for button in self.buttons
            ]
        }


def load_menu(path: Path = DEFAULT_MENU) -> Menu:
    """The menu of a YAML file; MenuError with the first problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Menu.model_validate(data)
    except OSError as err:
        raise MenuError(f"cannot read the menu file {path}: {err.strerror}") from err
    except yaml.YAMLError as err:
        raise MenuError(f"the menu file {path} is not YAML") from err
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise MenuError(f"menu {where}: {first['msg']}") from err
