"""The loan pre-application form: validation, the questions that need data, correction, cancel and submit.

Thin: every answer is read by `loans.preapplication.PreApplicationService`, every write goes to
`store.applications.ApplicationStore`; these actions only move slot values and messages.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.answer import QuestionAnswerer
from actions.applications_deps import ApplicationServices
from actions.identity import farmer_identity, shares_contact
from actions.numbers import NUMBER_SLOTS, finish, lapsed_numbers, reveal, revealed_slots, sealed_updates
from actions.questions import asks_to_apply, asks_to_correct, looks_like_question
from actions.turn import current_lang, intent_confidence, is_payload, latest_intent, latest_metadata, latest_text
from core.channels import UnknownChannel
from core.intents import Intent
from core.lang import Lang
from core.text import bi
from loans.form_buttons import (
    CHOICE_ENTITY,
    FORM_ENTITY,
    STEP_ENTITY,
    choice_payload,
    form_tag,
    new_form_token,
    step_number,
)
from loans.preapplication import (
    CANCEL,
    CHOICE_PREFIX,
    EXTRA_SLOTS,
    FAILURES_BEFORE_HELP,
    FIELD_LABELS,
    FIELDS,
    HINTS,
    HOUSEHOLD_LABELS,
    HUMAN,
    PURPOSE_LABELS,
    WHAT_TO_BRING,
    Choice,
    Field,
    consent_prompt,
    correction_choices,
    field_to_correct,
    summary_choices,
)
from store.applications import SubmitResult, UnknownStationError

logger = logging.getLogger(__name__)

FORM_NAME = "preapplication_form"
FIELD_ENTITY = "form_field"
# Set by the form's validation once the application is committed: {"reference": ..., "created": bool}.
SUBMITTED_SLOT = "submitted_application"
STALE_BUTTON = bi("这个按钮已过期，请看最新的问题。", "This button has expired; please look at the latest question.")
RESENT_ANSWER = bi(
    "这条回答刚才已经收到了，用在了上一步。请回答下面这一步：",
    "I already received that answer for the previous step. Please answer this one:",
)
ALREADY_FILLING = bi(
    "您已经在填一份贷款预申请了（填到第 {step} 步）。要接着填，还是清掉重新开始？",
    "You are already filling in a loan pre-application (at step {step}). Go on with it, or clear it and start over?",
)
STARTED_OVER = bi(
    "好的，已清掉之前填的内容，我们重新开始。", "All right, the earlier answers are cleared; let's start over."
)
CONTINUE_FORM = Choice(bi("接着填", "Go on"), "continue")
RESTART_FORM = Choice(bi("重新开始", "Start over"), "restart")
# A repeated message counts as a re-send of an answer whose reply was lost only within this time.
RESEND_WINDOW_SECONDS = 600.0
SUBMIT_FAILED = bi(
    "抱歉，系统暂时保存不了您的申请。您填的内容都还在，请过一会儿再点一次“确认提交”。",
    'Sorry, your application could not be saved just now. Your answers are kept; please tap "Send" again shortly.',
)
# Intents that leave the requested question unanswered (a rule handles them, then the form asks again),
# unless the text also reads as an answer ("三万" classified as ask_loan still fills the amount).
INTERRUPT_INTENTS = frozenset(
    {
        Intent.ASK_LOAN,
        Intent.ASK_INSURANCE,
        Intent.ASK_SCAM,
        Intent.HUMAN_HANDOFF,
        Intent.APPLICATION_STATUS,
        Intent.SWITCH_LANGUAGE,
        Intent.CHECK_MESSAGE,
        Intent.ASK_LENDER,
        Intent.OUT_OF_SCOPE,
        Intent.GREET,
        Intent.GOODBYE,
        Intent.THANKS,
    }
)
# Intents that always leave the form's question: the farmer wants to stop, fix something or delete.
CONTROL_INTENTS = frozenset({Intent.CANCEL_FORM, Intent.CORRECT_FIELD, Intent.DELETE_DATA})
CONTROL_CONFIDENCE = 0.6
UTTER_CANCELLED = "utter_preapplication_cancelled"
UTTER_NOTHING_PENDING = "utter_no_form_in_progress"
UTTER_SAVE_FAILED = "utter_preapplication_save_failed"
UTTER_STATION_OFFLINE = "utter_station_offline"
UTTER_ASK_PHONE = "utter_ask_phone"
UTTER_ASK_PHONE_TELEGRAM = "utter_ask_phone_telegram"
ALREADY_SENT = bi(
    "（这份申请之前已经提交过，没有重复提交。）", "(This application had already been sent; it was not sent twice.)"
)


def buttons_for(
    choices: tuple[Choice, ...] | list[Choice], lang: Lang, step: Field | None = None, token: object = None
) -> list[dict[str, str]]:
    """rasa-sdk buttons for choices, labelled in the farmer's language, without duplicates; bound to `step` and
    form `token` when given."""
    seen: set[str] = set()
    buttons: list[dict[str, str]] = []
    for choice in choices:
        payload = choice_payload(choice, step, token)
        if payload not in seen:
            seen.add(payload)
            buttons.append({"title": choice.title.get(lang), "payload": payload})
    return buttons


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The value of entity `name` in the latest message (button payloads carry them)."""
    for entity in tracker.latest_message.get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity") == name and entity.get("value") is not None:
            return str(entity["value"])
    return None


def reset_events() -> list[EventType]:
    """Clear every slot of the form, so the next application starts empty with a new token."""
    return [SlotSet(name, None) for name in (*FIELDS, *EXTRA_SLOTS, SUBMITTED_SLOT)] + [SlotSet(REQUESTED_SLOT, None)]


def stale_button(tracker: Tracker, field: Field) -> bool:
    """True when the latest message is a button of another step or another form instance than `field` of this one."""
    step = latest_entity(tracker, STEP_ENTITY)
    form = latest_entity(tracker, FORM_ENTITY)
    if step is not None and step != str(step_number(field)):
        return True
    current = form_tag(tracker.get_slot("form_token"))
    return form is not None and current is not None and form != current


def _asked(tracker: Tracker) -> Field:
    """The field the form asks now (the name when none is recorded)."""
    asked = tracker.get_slot(REQUESTED_SLOT)
    return next((field for field in FIELDS if field == asked), "applicant_name")


def resent_answer(tracker: Tracker, field: Field) -> bool:
    """True when the latest message repeats the previous one, which already answered another step (its reply
    was lost and the farmer sent it again): it must not be applied to `field`."""
    events = tracker.events or []
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if len(users) < 2:
        return False
    latest, previous = events[users[-1]], events[users[-2]]
    said = str(latest.get("text") or "").strip()
    if not said or said != str(previous.get("text") or "").strip():
        return False
    apart = float(latest.get("timestamp") or 0) - float(previous.get("timestamp") or 0)
    if apart > RESEND_WINDOW_SECONDS:
        return False
    step_then: str | None = None
    for event in events[: users[-2]]:
        if event.get("event") == "slot" and event.get("name") == REQUESTED_SLOT:
            step_then = event.get("value")
        elif event.get("event") == "active_loop" and not event.get("name"):
            step_then = None
    return step_then is not None and step_then != field and tracker.get_slot(step_then) is not None


class Submission:
    """Stores a confirmed form: one application per form token, however often it is confirmed."""

    def __init__(self, services: ApplicationServices) -> None:
        self._services = services

    async def store(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, *, in_form: bool = True
    ) -> dict[str, Any] | None:
        """Store the application; the value for the submitted slot, or None (farmer told why) when it failed.

        `in_form`: the form is still open at its summary (tap "Send" again), else the "try again" button helps."""
        lang = current_lang(tracker)

        def failed() -> None:
            if in_form:
                dispatcher.utter_message(text=SUBMIT_FAILED.get(lang))
            else:
                dispatcher.utter_message(response=UTTER_SAVE_FAILED)

        try:
            channel, external_id = farmer_identity(tracker)
        except UnknownChannel:
            logger.error("pre-application from a sender id without a known channel; answers kept")
            failed()
            return None
        slots = revealed_slots(self._services.numbers, tracker.sender_id, tracker.slots)
        form = self._services.form.build_form(slots, channel=channel, external_id=external_id, lang=lang)
        try:
            result = await asyncio.to_thread(self._services.store.submit_application, form)
        except UnknownStationError:
            logger.warning("pre-application for a station missing from the database: %s", form.station_code)
            dispatcher.utter_message(response=UTTER_STATION_OFFLINE)
            return None
        except Exception as exc:  # the database may be down: keep the answers, offer to try again
            logger.error("pre-application could not be stored: %s", type(exc).__name__)
            failed()
            return None
        # Sent: the sealed numbers go, and Rasa's conversation is erased once this turn is saved.
        await asyncio.to_thread(finish, self._services.numbers, tracker.sender_id, "submit")
        return {"reference": result.application.reference, "created": result.created}

    def announce(self, dispatcher: CollectingDispatcher, tracker: Tracker, submitted: dict[str, Any]) -> bool:
        """Tell the farmer the reference of the stored application; False when it cannot be read back."""
        lang = current_lang(tracker)
        view = self._services.store.get_application(str(submitted.get("reference")))
        if view is None:
            return False
        result = SubmitResult(application=view, created=bool(submitted.get("created")))
        text = result.message(lang)
        if not result.created:
            text = f"{text}\n{ALREADY_SENT.get(lang)}"
        dispatcher.utter_message(text=f"{text}\n{WHAT_TO_BRING.get(lang)}")
        return True


class ValidatePreApplicationForm(FormValidationAction):
    """Reads the answer to the requested question and says clearly why one is not accepted."""

    def __init__(self, services: ApplicationServices, answerer: QuestionAnswerer | None = None) -> None:
        self._services = services
        self._answerer = answerer
        self._submission = Submission(services)

    def name(self) -> str:
        """The validation action Rasa calls for the form."""
        return f"validate_{FORM_NAME}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Extract and validate, and give a new form instance its token."""
        # Numbers whose sealed draft expired before this turn are asked again (checked first: a confirmation in
        # this turn stores the application and then lets its numbers go).
        lapsed = lapsed_numbers(self._services.numbers, tracker)
        events = await super().run(dispatcher, tracker, domain)
        events += [SlotSet(name, None) for name in lapsed]
        started_over = latest_intent(tracker) == Intent.INFORM and (
            latest_entity(tracker, CHOICE_ENTITY) == RESTART_FORM.value and not stale_button(tracker, _asked(tracker))
        )
        if started_over:
            events += [SlotSet(name, None) for name in EXTRA_SLOTS]
        if tracker.get_slot("form_token") is None or started_over:
            events.append(SlotSet("form_token", new_form_token()))
        return events

    async def _extract(self, name: Field, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        """The raw answer to `name` when it is the question asked, or nothing when the farmer did something else.

        A question NLU took for an answer ("打12378有用吗" read as `inform`) is answered here, and the form then
        asks its own question again.
        """
        if tracker.get_slot(REQUESTED_SLOT) != name:
            return {}
        if stale_button(tracker, name):
            # A double tap, or a button of an earlier question or an older form: it changes nothing.
            dispatcher.utter_message(text=STALE_BUTTON.get(current_lang(tracker)))
            return {}
        if resent_answer(tracker, name):
            dispatcher.utter_message(text=RESENT_ANSWER.get(current_lang(tracker)))
            return {}
        intent = latest_intent(tracker)
        chosen = latest_entity(tracker, CHOICE_ENTITY)
        restart = self._continue_or_restart(name, intent, chosen, dispatcher, tracker)
        if restart is not None:
            return restart
        if chosen is not None and intent == Intent.INFORM:
            return {name: CHOICE_PREFIX + chosen}
        if name == "phone" and intent == Intent.SHARE_CONTACT:
            phone = latest_metadata(tracker).get("contact_phone")
            return {name: str(phone)} if phone else {}
        text = latest_text(tracker)
        if is_payload(text):
            return {}
        if intent in CONTROL_INTENTS and intent_confidence(tracker) >= CONTROL_CONFIDENCE:
            return {}
        answer = self._answer_text(name, text, tracker)
        if intent in INTERRUPT_INTENTS and not self._services.form.recognises(name, answer, tracker.slots):
            return {}
        if (
            self._answerer is not None
            and intent not in INTERRUPT_INTENTS
            and looks_like_question(text)
            and not self._services.form.recognises(name, answer, tracker.slots)
        ):
            await self._answerer.answer(dispatcher, tracker, None)
            return {}
        return {name: text}

    def _continue_or_restart(
        self, name: Field, intent: str | None, chosen: str | None, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any] | None:
        """ "我要申请贷款" in the middle of the form asks whether to go on or start over, and the answer to that:
        the slots to set ({} to ask the question again), or None when the turn is something else."""
        lang = current_lang(tracker)
        text = latest_text(tracker)
        if intent == Intent.INFORM and chosen == CONTINUE_FORM.value:
            return {}
        if intent == Intent.INFORM and chosen == RESTART_FORM.value:
            dispatcher.utter_message(text=STARTED_OVER.get(lang))
            return {field: None for field in FIELDS}  # the extra slots and a new token: see `run`
        if intent != Intent.APPLY_LOAN or is_payload(text) or not asks_to_apply(text):
            return None
        if self._services.form.recognises(name, text, tracker.slots):
            return None
        question = ALREADY_FILLING.get(lang).format(step=step_number(name))
        choices = (CONTINUE_FORM, RESTART_FORM)
        dispatcher.utter_message(
            text=question, buttons=buttons_for(choices, lang, name, tracker.get_slot("form_token"))
        )
        return {}

    def _validate(self, name: Field, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        """Accept the answer, or explain why not (differently, with a person to ask, after repeated failures)."""
        if value is None:
            return {name: None}
        if not tracker.active_loop:
            # The form is being (re)activated with answers kept from an earlier session: they were checked when
            # given and are stored normalised, so they stand as they are.
            return {name: value}
        result = self._services.form.check(name, self._answer_text(name, str(value), tracker), tracker.slots)
        failures: dict[str, int] = dict(tracker.get_slot("form_failures") or {})
        if result.ok:
            failures.pop(name, None)
            updates = sealed_updates(self._services.numbers, tracker.sender_id, result.updates)
            return {**updates, "form_failures": failures or None}
        if result.counts_as_failure:
            failures[name] = failures.get(name, 0) + 1
        lang = current_lang(tracker)
        text = result.reason.get(lang) if result.reason else ""
        choices = list(result.choices)
        if failures.get(name, 0) >= FAILURES_BEFORE_HELP:
            text = f"{text}\n{HINTS[name].get(lang)}"
            choices += [HUMAN, CANCEL]
        dispatcher.utter_message(text=text, buttons=buttons_for(choices, lang, name, tracker.get_slot("form_token")))
        return {**result.updates, name: None, "form_failures": failures or None}

    def _answer_text(self, name: Field, text: str, tracker: Tracker) -> str:
        """The answer as the checks read it: the phone and ID questions open the handles of personal numbers."""
        if name not in NUMBER_SLOTS:
            return text
        return reveal(self._services.numbers, tracker.sender_id, text)

    async def extract_applicant_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Name answer."""
        return await self._extract("applicant_name", dispatcher, tracker)

    def validate_applicant_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Name check."""
        return self._validate("applicant_name", value, dispatcher, tracker)

    async def extract_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Phone answer (typed or a shared Telegram contact)."""
        return await self._extract("phone", dispatcher, tracker)

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Mainland mobile check."""
        return self._validate("phone", value, dispatcher, tracker)

    async def extract_resident_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Resident ID answer."""
        return await self._extract("resident_id", dispatcher, tracker)

    def validate_resident_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Resident ID check (region, birth date, check character)."""
        return self._validate("resident_id", value, dispatcher, tracker)

    async def extract_place(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Village/township answer."""
        return await self._extract("place", dispatcher, tracker)

    def validate_place(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Place matched to a station, or "did you mean" choices."""
        return self._validate("place", value, dispatcher, tracker)

    async def extract_household_status(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Household status answer."""
        return await self._extract("household_status", dispatcher, tracker)

    def validate_household_status(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Household status check."""
        return self._validate("household_status", value, dispatcher, tracker)

    async def extract_purpose(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Purpose answer."""
        return await self._extract("purpose", dispatcher, tracker)

    def validate_purpose(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Purpose check against the allowed and forbidden uses."""
        return self._validate("purpose", value, dispatcher, tracker)

    async def extract_amount(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Amount answer."""
        return await self._extract("amount", dispatcher, tracker)

    def validate_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Amount check against the region's cap."""
        return self._validate("amount", value, dispatcher, tracker)

    async def extract_term(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Term answer."""
        return await self._extract("term", dispatcher, tracker)

    def validate_term(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Term check against the region's cap."""
        return self._validate("term", value, dispatcher, tracker)

    async def extract_other_loans(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Other-loans answer."""
        return await self._extract("other_loans", dispatcher, tracker)

    def validate_other_loans(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes/no check."""
        return self._validate("other_loans", value, dispatcher, tracker)

    async def extract_consent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Consent answer."""
        return await self._extract("consent", dispatcher, tracker)

    def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Explicit consent: records the wording version shown and the time."""
        checked = self._validate("consent", value, dispatcher, tracker)
        if checked.get("consent"):
            checked["consent_at"] = consent_time(tracker.latest_message.get("timestamp"))
        return checked

    async def extract_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Answer to the summary."""
        return await self._extract("confirmed", dispatcher, tracker)

    async def validate_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Only an explicit "send" completes the form, and only once the application is stored: the form closes
        in the same step as the commit, so a crash leaves it either stored (a re-tap finds it by its token) or
        open at the summary (a re-tap stores it)."""
        checked = self._validate("confirmed", value, dispatcher, tracker)
        if not checked.get("confirmed"):
            return checked
        try:
            submitted = await self._submission.store(dispatcher, tracker)
        except ValidationError as exc:
            missing = sorted({str(err["loc"][0]) for err in exc.errors() if err.get("loc")})
            logger.warning("pre-application incomplete at submit (fields: %s); starting over", ",".join(missing))
            dispatcher.utter_message(response="utter_preapplication_incomplete")
            return {name: None for name in (*FIELDS, *EXTRA_SLOTS)}
        if submitted is None:
            return {**checked, "confirmed": None}
        return {**checked, SUBMITTED_SLOT: submitted}


def is_question_not_correction(text: str) -> bool:
    """A question that does not speak of fixing an answer ("96110是真的反诈电话吗", not "电话能改吗")."""
    return not is_payload(text) and looks_like_question(text) and not asks_to_correct(text)


def consent_time(timestamp: Any) -> str:
    """When the farmer agreed, as ISO-8601 UTC: the message's own timestamp, else now."""
    moment = datetime.now(UTC)
    if isinstance(timestamp, int | float) and not isinstance(timestamp, bool):
        moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="seconds")


class AskApplicantName(Action):
    """Asks for the name, unless the farmer has just been asked whether a text is their name (that stands)."""

    def name(self) -> str:
        """Asks for the `applicant_name` slot."""
        return "action_ask_applicant_name"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """The domain's question, or nothing while "您的名字是「…」，对吗？" waits for a yes or no."""
        if not tracker.get_slot("name_to_confirm"):
            dispatcher.utter_message(response="utter_ask_applicant_name")
        return []


class AskPhone(Action):
    """Asks for the mobile number; on Telegram with a button that shares the farmer's contact."""

    def name(self) -> str:
        """Rasa calls `action_ask_<slot>` to ask for a slot."""
        return "action_ask_phone"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Utter the right variation of the question."""
        dispatcher.utter_message(response=UTTER_ASK_PHONE_TELEGRAM if shares_contact(tracker) else UTTER_ASK_PHONE)
        return []


class AskWithChoices(Action):
    """Asks for a slot with the domain's question and the choices as buttons.

    The buttons are added here, not in the domain: Rasa would try to fill `{...}` in a response's
    `/inform{"choice": ...}` payload as a slot template (and log the slots, personal data included).
    """

    def __init__(self, slot: Field, choices: tuple[Choice, ...]) -> None:
        self._slot = slot
        self._choices = choices

    def name(self) -> str:
        """Asks for its slot: `action_ask_<slot>`."""
        return f"action_ask_{self._slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """`utter_ask_<slot>` in the farmer's language, with one button per choice."""
        buttons = buttons_for(self._choices, current_lang(tracker), self._slot, tracker.get_slot("form_token"))
        dispatcher.utter_message(response=f"utter_ask_{self._slot}", buttons=buttons)
        return []


def choice_asks() -> list[AskWithChoices]:
    """The questions answered by tapping: household status, purpose, other loans."""
    return [
        AskWithChoices("household_status", tuple(Choice(label, key) for key, label in HOUSEHOLD_LABELS.items())),
        AskWithChoices("purpose", tuple(Choice(label, key) for key, label in PURPOSE_LABELS.items())),
        AskWithChoices("other_loans", (Choice(bi("有", "Yes"), "yes"), Choice(bi("没有", "No"), "no"))),
    ]


class AskAmount(Action):
    """Asks how much, naming the cap of the farmer's region."""

    def __init__(self, services: ApplicationServices) -> None:
        self._services = services

    def name(self) -> str:
        """Asks for the `amount` slot."""
        return "action_ask_amount"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """The question with the region's minimum and cap."""
        lang = current_lang(tracker)
        rules = self._services.form.rules_for(tracker.get_slot("place"))
        cap, low = rules.amount.cap_yuan, rules.amount.min_yuan
        text = bi(
            f"第 7 步：想借多少钱？您那里每户一般 {low:,}–{cap:,} 元（最多 {cap / 10000:g} 万）。直接说数，例如“3万”。",
            f"Step 7: How much would you like to borrow? Where you live it is usually {low:,}–{cap:,} yuan per "
            'household. Just send the amount, e.g. "30000".',
        )
        dispatcher.utter_message(text=text.get(lang))
        return []


class AskTerm(Action):
    """Asks for how long, with the region's terms as buttons."""

    def __init__(self, services: ApplicationServices) -> None:
        self._services = services

    def name(self) -> str:
        """Asks for the `term` slot."""
        return "action_ask_term"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """The question and one button per whole year up to the cap."""
        lang = current_lang(tracker)
        rules = self._services.form.rules_for(tracker.get_slot("place"))
        text = bi(
            "第 8 步：想借多久？点一个，或者直接说，例如“两年”“18个月”。",
            'Step 8: For how long? Tap one or type it, e.g. "2 years".',
        )
        choices = self._services.form.term_choices(rules)
        token = tracker.get_slot("form_token")
        dispatcher.utter_message(text=text.get(lang), buttons=buttons_for(choices, lang, "term", token))
        return []


class AskConsent(Action):
    """Shows the current consent wording and asks for an explicit yes."""

    def name(self) -> str:
        """Asks for the `consent` slot."""
        return "action_ask_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """The wording of the current version, with agree / cancel buttons."""
        lang = current_lang(tracker)
        choices = (Choice(bi("我同意", "I agree"), "yes"), Choice(bi("不同意", "I do not agree"), "no"), CANCEL)
        buttons = buttons_for(choices, lang, "consent", tracker.get_slot("form_token"))
        dispatcher.utter_message(text=consent_prompt(lang), buttons=buttons)
        return []


class AskConfirmed(Action):
    """The summary before sending: masked ID, pre-check explained, repayment figures, send/change/cancel."""

    def __init__(self, services: ApplicationServices) -> None:
        self._services = services

    def name(self) -> str:
        """Asks for the `confirmed` slot."""
        return "action_ask_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Show the summary, unless the farmer just asked to change something (they are choosing what)."""
        if latest_intent(tracker) == Intent.CORRECT_FIELD:
            return []
        lang = current_lang(tracker)
        slots = revealed_slots(self._services.numbers, tracker.sender_id, tracker.slots)
        text = self._services.form.summary(slots, lang)
        buttons = buttons_for(summary_choices(), lang, "confirmed", tracker.get_slot("form_token"))
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class CorrectField(Action):
    """ "电话填错了" / "change my phone": clears that answer so the form asks it again.

    A question that only looked like a correction ("96110是真的反诈电话吗") is answered instead; the form then
    asks its question again.
    """

    def __init__(self, answerer: QuestionAnswerer | None = None) -> None:
        self._answerer = answerer

    def name(self) -> str:
        """Run by the correction rule while the form is active."""
        return "action_correct_field"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Clear the named answer, ask which one when the farmer did not say, or answer a question."""
        lang = current_lang(tracker)
        text = latest_text(tracker)
        button = latest_entity(tracker, FIELD_ENTITY)
        if button is None and self._answerer is not None and is_question_not_correction(text):
            await self._answerer.answer(dispatcher, tracker, None)
            return []
        named = button or field_to_correct(text)
        target = next((f for f in FIELDS if f == named and f not in ("consent", "confirmed")), None)
        if target is None:
            which = bi("要改哪一项？请点一下：", "Which answer do you want to change? Tap it:")
            buttons = [
                {
                    "title": c.title.get(lang),
                    "payload": Intent.CORRECT_FIELD.payload + json.dumps({FIELD_ENTITY: c.value}),
                }
                for c in correction_choices()
            ]
            dispatcher.utter_message(text=which.get(lang), buttons=buttons)
            return []
        label = FIELD_LABELS[target]
        dispatcher.utter_message(text=bi(f"好的，重新填{label.zh}。", f"All right, let's redo: {label.en}.").get(lang))
        return [SlotSet(target, None), SlotSet("confirmed", None)]


class CancelPreApplication(Action):
    """ "不办了" / "cancel": nothing is sent and the answers are forgotten (the conversation is erased after)."""

    def __init__(self, services: ApplicationServices | None = None) -> None:
        self._services = services

    def name(self) -> str:
        """Run after the form is deactivated by the cancel rule."""
        return "action_cancel_preapplication"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Say so, clear every form slot, forget the sealed numbers and have the conversation erased."""
        dispatcher.utter_message(response=UTTER_CANCELLED)
        if self._services is not None:
            await asyncio.to_thread(finish, self._services.numbers, tracker.sender_id, "cancel")
        return reset_events()


class SubmitPreApplication(Action):
    """Tells the farmer the reference of the application the form stored; stores it first when it was not
    (the "try again" button): one application, even when the confirm comes twice."""

    def __init__(self, services: ApplicationServices) -> None:
        self._services = services
        self._submission = Submission(services)

    def name(self) -> str:
        """Run when the form is complete (and by the "try again" button)."""
        return "action_submit_preapplication"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Announce the stored application; store it when it is confirmed but not yet stored; keep the answers
        when storing fails so "try again" can send them."""
        submitted = tracker.get_slot(SUBMITTED_SLOT)
        stored_by_form = isinstance(submitted, dict) and submitted.get("reference")
        if stored_by_form and self._submission.announce(dispatcher, tracker, submitted):
            return reset_events()
        if not tracker.get_slot("form_token") or not tracker.get_slot("confirmed"):
            dispatcher.utter_message(response=UTTER_NOTHING_PENDING)
            return []
        try:
            stored = await self._submission.store(dispatcher, tracker, in_form=False)
        except ValidationError as exc:
            missing = sorted({str(err["loc"][0]) for err in exc.errors() if err.get("loc")})
            logger.warning("pre-application incomplete at submit (fields: %s); starting over", ",".join(missing))
            dispatcher.utter_message(response="utter_preapplication_incomplete")
            return reset_events()
        if stored is None or not self._submission.announce(dispatcher, tracker, stored):
            return []
        return reset_events()
