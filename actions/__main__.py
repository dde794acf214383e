"""Composition root of `python -m actions`: settings → knowledge service → actions → HTTP."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from rasa_sdk import Action
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from actions.answer import AnswerOrExplain, AnswerQuestion, QuestionAnswerer
from actions.answer_api import mount_answer_route
from actions.applications import ApplicationStatusAction, DeleteFarmerData
from actions.applications_deps import (
    ApplicationServices,
    LazyApplicationServices,
    build_application_services,
)
from actions.apply import ApplyLoanInfo
from actions.deps import AnswerCache, LazyKnowledgeService, build_knowledge_service
from actions.guard import require_secret
from actions.language import ValidateSlotMappings
from actions.logsafe import redact
from actions.preapplication import (
    AskAmount,
    AskApplicantName,
    AskConfirmed,
    AskConsent,
    AskPhone,
    AskTerm,
    CancelPreApplication,
    CorrectField,
    SubmitPreApplication,
    ValidatePreApplicationForm,
    choice_asks,
)
from actions.scam import CheckLender, CheckMessage, LazyScamServices, ScamServices
from actions.settings import ActionSettings
from core.errors import NonghuiError
from core.settings import keep_files_private, require_named_environment
from knowledge.answer_types import AnswersQuestions
from loans.quotes import QuotesRepayments, RepaymentQuotes

logger = logging.getLogger("actions")


def build_actions(
    knowledge: AnswersQuestions,
    scam: ScamServices | None = None,
    quotes: QuotesRepayments | None = None,
    applications: ApplicationServices | None = None,
) -> list[Action]:
    """Every custom action of the domain, with its collaborators injected (scam and form services built lazily)."""
    scam_services = scam if scam is not None else LazyScamServices()
    repayment = quotes if quotes is not None else RepaymentQuotes()
    forms = applications if applications is not None else _default_application_services(ActionSettings())
    answerer = QuestionAnswerer(knowledge, repayment)
    return [
        ValidateSlotMappings(),
        AnswerQuestion(knowledge, repayment),
        AnswerOrExplain(knowledge, repayment),
        ApplyLoanInfo(repayment, answerer),
        CheckMessage(scam_services, knowledge),
        CheckLender(scam_services),
        ValidatePreApplicationForm(forms, answerer),
        AskApplicantName(),
        AskPhone(),
        *choice_asks(),
        AskAmount(forms),
        AskTerm(forms),
        AskConsent(),
        AskConfirmed(forms),
        CorrectField(answerer),
        CancelPreApplication(forms),
        SubmitPreApplication(forms),
        ApplicationStatusAction(forms, answerer),
        DeleteFarmerData(forms),
    ]


def _default_application_services(settings: ActionSettings) -> LazyApplicationServices:
    """Form services from settings, built on first use (the database is not touched before then)."""
    return LazyApplicationServices(partial(build_application_services, settings))


def build_executor(
    knowledge: AnswersQuestions, scam: ScamServices | None = None, applications: ApplicationServices | None = None
) -> ActionExecutor:
    """An ActionExecutor holding action instances (no package scanning, no import-time construction)."""
    executor = ActionExecutor()
    for action in build_actions(knowledge, scam, applications=applications):
        executor.register_action(action)
    return executor


async def _warm_up_in_background(knowledge: AnswersQuestions, scam: LazyScamServices) -> None:
    """Load the scam detector, index and embedding model after the server is up; failures are retried later."""
    try:
        await asyncio.to_thread(scam.warm_up)
        logger.info("Scam detector and lender registry are ready.")
    except Exception as exc:
        logger.error("Scam services warm-up failed; checks retry on use: %s: %s", type(exc).__name__, redact(str(exc)))
    try:
        await asyncio.to_thread(knowledge.warm_up)
        logger.info("Knowledge service is warm.")
    except Exception as exc:
        logger.error(
            "Knowledge service warm-up failed; questions get the error reply until it builds: %s: %s",
            type(exc).__name__,
            redact(str(exc)),
        )


def build_app(settings: ActionSettings) -> Sanic:
    """The rasa-sdk Sanic app serving our actions, warming the knowledge service once it is listening."""
    loading = LazyKnowledgeService(
        partial(build_knowledge_service, settings.resolved_index_dir, settings.resolved_embedding_model)
    )
    knowledge = AnswerCache(loading, size=settings.answer_cache_size)
    scam = LazyScamServices()
    applications = _default_application_services(settings)
    app = create_app(build_executor(knowledge, scam, applications), cors_origins=None)
    require_secret(app, settings.resolved_action_secret())
    # The bot's Rasa-down fallback asks this one loaded service (503 while it loads: the bot apologises at once).
    mount_answer_route(app, knowledge, is_ready=lambda: loading.is_ready)

    async def start_warm_up(app: Sanic) -> None:
        app.add_task(_warm_up_in_background(knowledge, scam))

    app.register_listener(start_warm_up, "after_server_start")
    return app


def main() -> None:
    """Run the action server in one process on the configured host and port."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    keep_files_private()
    settings = ActionSettings()
    try:
        require_named_environment(settings, exposed=settings.reachable_from_outside)
    except NonghuiError as err:
        logger.error("cannot start: %s", err)
        raise SystemExit(2) from None
    from store.crypto import action_keys_from_settings

    try:
        # The keys the supervisor derived for this process (never the data key): refuse to start without them in
        # production rather than fail at the first form; development warns and starts (knowledge answers work).
        action_keys_from_settings(settings)
    except NonghuiError as err:
        if settings.env == "production":
            logger.error("cannot start: %s", err)
            raise SystemExit(2) from None
        logger.warning("pre-applications will not work: %s", err)
    try:
        app = build_app(settings)  # needs NONGHUI_ACTION_SECRET in production
    except NonghuiError as err:
        logger.error("cannot start: %s", err)
        raise SystemExit(2) from None
    logger.info("Action server listening on http://%s:%s", settings.action_host, settings.action_port)
    # One process: the executor and the lazy service live here; nothing is pickled or forked.
    app.run(host=settings.action_host, port=settings.action_port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
