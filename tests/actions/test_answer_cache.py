"""Repeated questions are answered from the action server's answer cache, in their own context only."""

from actions.deps import AnswerCache
from knowledge.answer_types import Answer


class CountingKnowledge:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None]] = []

    def warm_up(self) -> None:
        pass

    def answer(self, question, *, lang, topic=None, region=None, previous=None) -> Answer:  # type: ignore[no-untyped-def]
        self.calls.append((question, lang, previous))
        return Answer(text=f"{question}/{lang}/{previous}", lang=lang, confident=True)


def test_the_same_question_in_the_same_context_is_computed_once() -> None:
    inner = CountingKnowledge()
    cache = AnswerCache(inner)

    first = cache.answer("农业保险怎么买？", lang="zh")
    again = cache.answer("农业保险怎么买？ ", lang="zh")

    assert again is first and len(inner.calls) == 1 and (cache.hits, cache.misses) == (1, 1)


def test_language_previous_question_and_region_are_part_of_the_key() -> None:
    inner = CountingKnowledge()
    cache = AnswerCache(inner)

    cache.answer("那利息呢", lang="zh", previous="贷款能贷多少")
    cache.answer("那利息呢", lang="zh", previous="保险怎么买")
    cache.answer("那利息呢", lang="en", previous="贷款能贷多少")
    cache.answer("那利息呢", lang="zh", previous="贷款能贷多少", region="ZJ")

    assert len(inner.calls) == 4


def test_the_cache_keeps_only_the_most_recent_answers() -> None:
    inner = CountingKnowledge()
    cache = AnswerCache(inner, size=2)

    for question in ("a", "b", "a", "c", "b"):
        cache.answer(question, lang="en")

    assert [q for q, _, _ in inner.calls] == ["a", "b", "c", "b"]


def test_size_zero_turns_the_cache_off() -> None:
    inner = CountingKnowledge()
    cache = AnswerCache(inner, size=0)

    cache.answer("a", lang="en")
    cache.answer("a", lang="en")

    assert len(inner.calls) == 2
