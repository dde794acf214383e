"""What the Telegram channel needs from storage, as synchronous protocols (the store implements them)."""

from __future__ import annotations

from bot.arrivals import FarmerContacts
from bot.channel import SeenUpdates

__all__ = ["FarmerContacts", "SeenUpdates"]
