"""Who the farmer is on their channel, read from the Rasa sender id (`<prefix>:<id>`, core/channels.py)."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.turn import latest_metadata
from core.channels import SenderId, UnknownChannel, channel_spec, is_channel, parse_sender_id


def farmer_identity(tracker: Tracker) -> SenderId:
    """(channel, external id) as the store keys farmers: `tg:42` → ("telegram", "42").

    A sender id without a known prefix counts only when the message metadata names a known channel; otherwise
    UnknownChannel, so no farmer is ever filed under the wrong channel."""
    sender = tracker.sender_id or ""
    try:
        return parse_sender_id(sender)
    except UnknownChannel:
        channel = latest_metadata(tracker).get("channel")
        if is_channel(channel) and sender:
            return SenderId(str(channel), sender)
        raise


def shares_contact(tracker: Tracker) -> bool:
    """True when the farmer's channel can send their phone number as a contact card."""
    try:
        return channel_spec(farmer_identity(tracker).channel).shares_contact
    except UnknownChannel:
        return False
