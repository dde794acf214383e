"""The dialogue pipeline: every farmer turn, from any channel, passes these stages on its way to Rasa."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.arrivals import ArrivalRecorder, FarmerContacts
from bot.channel import OpenHandoffs
from bot.conversation import Conversation, InputHygiene, RemembersLanguages
from bot.deadline import TurnDeadline
from bot.dialogue import DialogueEngine
from bot.erasure import ConversationErasure, ErasesConversations, KeepsErasureRequests
from bot.fallback import HealthProbe, OutagePolicy, ResilientDialogue
from bot.form_guard import FormGuard, FormGuardStore
from bot.number_vault import NumberHandles, SealsNumbers
from bot.scam_shield import AssessesScams, ScamShield
from bot.transcript import RecordsTurns, TranscriptRecorder
from bot.voice.gate import VoiceReadBack
from bot.voice.pending import SharedPendingTranscripts
from knowledge.answer_types import AnswersQuestions

Stage = Callable[[DialogueEngine], DialogueEngine]


@dataclass(frozen=True)
class PipelineParts:
    """The collaborators the stages need; `handoff_gate` and `campaign_greeter` wrap an inner engine."""

    rasa: DialogueEngine
    knowledge: AnswersQuestions | None
    scam_detector: AssessesScams
    eraser: ErasesConversations
    numbers: SealsNumbers
    erasure_requests: KeepsErasureRequests
    handoff_gate: Stage
    campaign_greeter: Stage
    transcript: RecordsTurns
    contacts: FarmerContacts
    handoffs: OpenHandoffs | None = None  # voice notes in a hand-off go to staff without a read-back
    voice_max_seconds: float = 60.0
    voice_pending: SharedPendingTranscripts | None = None  # read-back transcripts shared by the bot workers
    form_guard: FormGuardStore | None = None
    outage: OutagePolicy | None = None
    language_memory: RemembersLanguages | None = None  # shared (Redis) when several bot workers run
    rasa_health: HealthProbe | None = None  # asked while Rasa's circuit is open, to close it as soon as Rasa is back


@dataclass(frozen=True)
class Pipeline:
    """The outermost stage (what channels call) and the scam shield (warmed up in the background)."""

    engine: DialogueEngine
    scam_shield: ScamShield
    fallback: ResilientDialogue


def build_pipeline(parts: PipelineParts) -> Pipeline:
    """The stages from the innermost (Rasa) outwards; a farmer's turn enters at the last line and goes up."""
    guard_store = parts.form_guard
    in_form = _in_form(guard_store) if guard_store is not None else None
    policy = parts.outage or OutagePolicy()
    fallback = ResilientDialogue(parts.rasa, parts.knowledge, policy=policy, in_form=in_form, probe=parts.rasa_health)
    engine: DialogueEngine = fallback  # Rasa; retrieval-only (fast) when it is down, slow or silent
    engine = NumberHandles(engine, parts.numbers)  # ID, phone and card numbers become handles; Rasa never sees them
    engine = Conversation(engine, memory=parts.language_memory)  # empty or over-long text; the farmer's language
    engine = shield = ScamShield(  # a scam warning first when the text looks like one
        engine, parts.scam_detector, timeout_seconds=policy.scam_seconds
    )
    engine = ConversationErasure(  # Rasa's conversation erased after a confirmed deletion or a form sent or cancelled
        engine, parts.eraser, parts.erasure_requests, also_on_deletion=parts.form_guard
    )
    engine = parts.handoff_gate(engine)  # "talk to a person" opens a hand-off; turns then go to staff
    engine = VoiceReadBack(  # voice: read back first
        engine, parts.handoffs, max_seconds=parts.voice_max_seconds, pending=parts.voice_pending
    )
    engine = parts.campaign_greeter(engine)  # a deep-link payload is verified, counted and greeted by topic
    if guard_store is not None:
        engine = FormGuard(engine, guard_store)  # only offered buttons are commands; stale ones; confirmations kept
    engine = TranscriptRecorder(engine, parts.transcript)  # the masked transcript of every turn and reply
    engine = ArrivalRecorder(engine, parts.contacts)  # an arrival the channel did not record itself is stored
    engine = TurnDeadline(engine, policy.answer_within_seconds)  # the stages that wait share the turn's budget
    engine = InputHygiene(engine)  # control characters (NUL, escapes) leave the text before anything keeps it
    return Pipeline(engine=engine, scam_shield=shield, fallback=fallback)


def _in_form(store: FormGuardStore) -> Callable[[str], Awaitable[bool]]:
    """Whether a farmer has a pre-application open, as the form guard last saw it."""

    async def in_form(sender_id: str) -> bool:
        step = await asyncio.to_thread(store.step, sender_id)
        return step is not None and step.step is not None

    return in_form
