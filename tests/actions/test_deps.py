from __future__ import annotations

import pickle

import pytest

from actions.deps import LazyKnowledgeService
from tests.actions.conftest import FakeKnowledge, IndexMissingError


class CountingFactory:
    """Builds FakeKnowledge services, failing the first `failures` times."""

    def __init__(self, failures: int = 0) -> None:
        self.calls = 0
        self.failures = failures
        self.built: list[FakeKnowledge] = []

    def __call__(self) -> FakeKnowledge:
        self.calls += 1
        if self.calls <= self.failures:
            raise IndexMissingError("index missing")
        service = FakeKnowledge()
        self.built.append(service)
        return service


def test_lazy_service_builds_nothing_until_used():
    factory = CountingFactory()

    service = LazyKnowledgeService(factory)

    assert factory.calls == 0
    assert not service.is_ready


def test_lazy_service_builds_and_warms_once_then_delegates():
    factory = CountingFactory()
    service = LazyKnowledgeService(factory)

    first = service.answer("贷款", lang="zh", topic="loan")
    service.answer("保险", lang="zh", topic="insurance", region="guangxi")

    assert factory.calls == 1
    assert factory.built[0].warmed == 1
    assert first.text == factory.built[0].answer_text
    assert [(q.text, q.topic, q.region) for q in factory.built[0].questions] == [
        ("贷款", "loan", None),
        ("保险", "insurance", "guangxi"),
    ]


def test_failed_build_is_retried_on_the_next_question():
    factory = CountingFactory(failures=1)
    service = LazyKnowledgeService(factory)

    with pytest.raises(IndexMissingError):
        service.warm_up()
    service.answer("贷款", lang="zh")

    assert factory.calls == 2
    assert service.is_ready


def test_pickled_service_carries_only_its_factory():
    service = LazyKnowledgeService(FakeKnowledge)
    service.warm_up()

    restored = pickle.loads(pickle.dumps(service))

    assert not restored.is_ready
    assert restored.answer("hi", lang="en").lang == "en"
