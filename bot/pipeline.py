"""The dialogue pipeline: every farmer turn, from any channel, passes these stages on its way to Rasa."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.arrivals import ArrivalRecorder, FarmerContacts
from bot.conversation import Conversation, RemembersLanguages
from bot.dialogue import DialogueEngine
from bot.erasure import ConversationErasure, ErasesConversations
from bot.fallback import ResilientDialogue
from bot.scam_shield import AssessesScams, ScamShield
from bot.transcript import RecordsTurns, TranscriptRecorder
from knowledge.answer_types import AnswersQuestions

Stage = Callable[[DialogueEngine], DialogueEngine]


@dataclass(frozen=True)
class PipelineParts:
    """The collaborators the stages need; `handoff_gate` and `campaign_greeter` wrap an inner engine."""

    rasa: DialogueEngine
    knowledge: AnswersQuestions | None
    scam_detector: AssessesScams
    eraser: ErasesConversations
    handoff_gate: Stage
    campaign_greeter: Stage
    transcript: RecordsTurns
    contacts: FarmerContacts
    language_memory: RemembersLanguages | None = None  # shared (Redis) when several bot workers run


@dataclass(frozen=True)
class Pipeline:
    """The outermost stage (what channels call) and the scam shield (warmed up in the background)."""

    engine: DialogueEngine
    scam_shield: ScamShield


def build_pipeline(parts: PipelineParts) -> Pipeline:
    """The stages from the innermost (Rasa) outwards; a farmer's turn enters at the last line and goes up."""
    engine: DialogueEngine = ResilientDialogue(parts.rasa, parts.knowledge)  # Rasa; retrieval-only when it is down
    engine = Conversation(
        engine, memory=parts.language_memory
    )  # input hygiene (empty, over-long, control characters); the farmer's language
    engine = shield = ScamShield(engine, parts.scam_detector)  # a scam warning first when the text looks like one
    engine = ConversationErasure(engine, parts.eraser)  # a confirmed deletion also erases Rasa's conversation
    engine = parts.handoff_gate(engine)  # "talk to a person" opens a hand-off; turns then go to staff
    engine = parts.campaign_greeter(engine)  # a deep-link payload is verified, counted and greeted by topic
    engine = TranscriptRecorder(engine, parts.transcript)  # the masked transcript of every turn and reply
    engine = ArrivalRecorder(engine, parts.contacts)  # an arrival the channel did not record itself is stored
    return Pipeline(engine=engine, scam_shield=shield)
