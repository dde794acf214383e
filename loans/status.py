"""Pre-application statuses, their labels for farmers and the allowed changes."""

from __future__ import annotations

from enum import StrEnum

from core.text import Bilingual, bi


class ApplicationStatus(StrEnum):
    """Where a pre-application stands; the station moves it forward, the bank decides."""

    RECEIVED = "received"
    CONTACTED = "contacted"
    DOCUMENTS_CHECKED = "documents_checked"
    SENT_TO_BANK = "sent_to_bank"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> Bilingual:
        """What the farmer reads."""
        return LABELS[self]

    @property
    def final(self) -> bool:
        """No change is possible after this status."""
        return not TRANSITIONS[self]


S = ApplicationStatus
LABELS: dict[ApplicationStatus, Bilingual] = {
    S.RECEIVED: bi("已收到，等服务站联系您", "received – the service station will contact you"),
    S.CONTACTED: bi("服务站已联系您", "the service station has contacted you"),
    S.DOCUMENTS_CHECKED: bi("材料已核对", "documents checked"),
    S.SENT_TO_BANK: bi("已转给银行审核", "sent to the bank for its decision"),
    S.APPROVED: bi("银行已批准", "approved by the bank"),
    S.DECLINED: bi("未获批准", "not approved"),
    S.WITHDRAWN: bi("已撤回", "withdrawn"),
}
TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.RECEIVED: frozenset({S.CONTACTED, S.DECLINED, S.WITHDRAWN}),
    S.CONTACTED: frozenset({S.DOCUMENTS_CHECKED, S.DECLINED, S.WITHDRAWN}),
    S.DOCUMENTS_CHECKED: frozenset({S.SENT_TO_BANK, S.DECLINED, S.WITHDRAWN}),
    S.SENT_TO_BANK: frozenset({S.APPROVED, S.DECLINED, S.WITHDRAWN}),
    S.APPROVED: frozenset(),
    S.DECLINED: frozenset(),
    S.WITHDRAWN: frozenset(),
}


def can_change(current: ApplicationStatus, new: ApplicationStatus) -> bool:
    """Whether `current` may move to `new`."""
    return new in TRANSITIONS[current]
