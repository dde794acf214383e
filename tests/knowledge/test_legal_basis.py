import numpy as np
import pytest

from knowledge.answer import AnswerComposer
from knowledge.index import KnowledgeIndex
from knowledge.legal_basis import LawBoost, LegalBasisSelector, StatuteNeighbours, asks_for_law, citation
from knowledge.manifest import Manifest
from knowledge.types import Chunk, DocumentMeta, Passage

GUIDE = DocumentMeta(doc_id="claims-zh", title="农业保险理赔", lang="zh", topic="insurance", varies_locally=True)
LAW = DocumentMeta(doc_id="model-reg", title="农业互助保险示范条例", lang="zh", topic="insurance", kind="statute")
GUIDE_TEXT = "受灾后要马上报案，告诉保险公司或者村里的协保员。拖着不报，损失没法核定的部分不赔。"
AGREEING = "第十条 保险事故发生后，投保农户应当及时报案，可以由协保员代为报案；拖延报案致使损失无法核定的部分不赔。"
UNRELATED = "第二十三条 本条例自发布之日起施行。"


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture
def index() -> KnowledgeIndex:
    chunks = [
        Chunk(0, GUIDE, "一、受灾后第一件事是报案", GUIDE_TEXT),
        Chunk(1, LAW, "第三章 理赔 · 第十条", AGREEING),
        Chunk(2, LAW, "第五章 附则 · 第二十三条", UNRELATED),
    ]
    vectors = np.stack([_unit(1, 0.2, 0, 0), _unit(1, 0.25, 0.05, 0), _unit(0, 0, 1, 1)])
    manifest = Manifest(model="test", dimension=4, chunk_count=3, corpus_hash="", built_at="")
    return KnowledgeIndex.create(chunks, vectors, manifest)


def _passage(chunk: Chunk, score: float, rank: int, dense: float = 0.95) -> Passage:
    return Passage(chunk, score=score, rank=rank, dense_score=dense)


def _first(passages: list[Passage]) -> Passage:
    return passages[0]


@pytest.mark.parametrize(
    "question",
    [
        "法律怎么规定的",
        "哪条法律管这个",
        "保险法第二十二条说的什么",
        "依据是什么",
        "条例里怎么说",
        "what does the law say",
        "Which article covers this?",
        "《农业保险条例》有没有规定",
    ],
)
def test_questions_asking_for_the_law_are_recognised(question: str):
    assert asks_for_law(question)


@pytest.mark.parametrize(
    "question",
    [
        "受灾了怎么办",
        "有什么办法追回钱",
        "这个贷款合法吗",
        "非法集资是什么",
        "How do I report a loss?",
        "用什么方法申请",
    ],
)
def test_ordinary_farmer_questions_do_not_ask_for_the_law(question: str):
    assert not asks_for_law(question)


def test_a_farmer_is_answered_from_the_guide_with_the_agreeing_article_as_basis(index: KnowledgeIndex):
    selector = LegalBasisSelector(StatuteNeighbours(lambda: index))
    law, guide = _passage(index.chunks[1], 2.2, 1), _passage(index.chunks[0], 2.0, 2)
    choice = selector.choose("受灾了第一件事干啥", [law, guide], _first)
    assert choice.passage.chunk is index.chunks[0]
    assert choice.basis is index.chunks[1]


def test_the_basis_is_found_among_the_nearest_articles_when_none_was_retrieved(index: KnowledgeIndex):
    selector = LegalBasisSelector(StatuteNeighbours(lambda: index))
    choice = selector.choose("受灾了第一件事干啥", [_passage(index.chunks[0], 2.0, 1)], _first)
    assert choice.basis is index.chunks[1]


def test_no_basis_when_the_article_is_far_in_meaning_or_shares_too_little_wording(index: KnowledgeIndex):
    far = LegalBasisSelector(StatuteNeighbours(lambda: index), min_cosine=0.999)
    assert far.choose("受灾了怎么办", [_passage(index.chunks[0], 2.0, 1)], _first).basis is None
    wordy = LegalBasisSelector(StatuteNeighbours(lambda: index), min_shared=0.99)
    assert wordy.choose("受灾了怎么办", [_passage(index.chunks[0], 2.0, 1)], _first).basis is None
    assert LegalBasisSelector().choose("受灾了怎么办", [_passage(index.chunks[0], 2.0, 1)], _first).basis is None


def test_a_question_asking_for_the_law_is_answered_from_the_statute(index: KnowledgeIndex):
    selector = LegalBasisSelector(StatuteNeighbours(lambda: index))
    guide, law = _passage(index.chunks[0], 2.5, 1), _passage(index.chunks[1], 2.0, 2)
    choice = selector.choose("没及时报案，法律怎么规定的", [guide, law], _first)
    assert choice.passage is law and choice.basis is None


def test_a_statute_answers_when_no_guide_comes_close(index: KnowledgeIndex):
    selector = LegalBasisSelector(StatuteNeighbours(lambda: index), guide_margin=1.0)
    law, guide = _passage(index.chunks[1], 4.0, 1), _passage(index.chunks[0], 2.0, 2)
    assert selector.choose("受灾了第一件事干啥", [law, guide], _first).passage is law


def test_the_answer_names_the_basis_in_the_farmers_language(index: KnowledgeIndex):
    composer = AnswerComposer(legal=LegalBasisSelector(StatuteNeighbours(lambda: index)))
    passages = [_passage(index.chunks[1], 2.2, 1), _passage(index.chunks[0], 2.0, 2)]
    zh = composer.compose("受灾了第一件事干啥", passages, "zh")
    assert zh.text.startswith("受灾后要马上报案")
    assert zh.text.splitlines()[1] == "依据：《农业互助保险示范条例》第十条"  # right under the answer
    assert "各地规定不同" in zh.text.splitlines()[-1]
    assert zh.sources[0].title == "农业保险理赔"
    en = composer.compose("What do I do first after a loss?", passages, "en")
    assert en.text.splitlines()[2] == "Legal basis: 《农业互助保险示范条例》, Article 10"  # after the language note


def test_without_statutes_the_composer_answers_as_before():
    doc = DocumentMeta(doc_id="loan", title="小额信贷", lang="zh", topic="loan")
    passage = Passage(Chunk(0, doc, "能贷多少", "每户最多5万元。"), score=1.0, rank=1, dense_score=0.95)
    answer = AnswerComposer().compose("能贷多少", [passage], "zh")
    assert answer.text == "每户最多5万元。"


def test_citation_reads_the_article_from_the_locator(index: KnowledgeIndex):
    cited = citation(index.chunks[1])
    assert cited is not None and (cited.title, cited.article, cited.number) == ("农业互助保险示范条例", "第十条", "10")
    assert citation(Chunk(3, LAW, "", "（虚构）")) is None


def test_law_questions_lift_statutes_and_the_article_they_name(index: KnowledgeIndex):
    boost = LawBoost(law_bonus=3.0, article_bonus=1.0)
    assert boost.scores(index.chunks, "受灾了怎么办") is None
    assert boost.scores(index.chunks, "条例怎么规定报案").tolist() == [0.0, 3.0, 3.0]  # type: ignore[union-attr]
    assert boost.scores(index.chunks, "条例第十条说什么").tolist() == [0.0, 4.0, 3.0]  # type: ignore[union-attr]
    assert boost.scores(index.chunks, "What does Article 23 say?").tolist() == [0.0, 3.0, 4.0]  # type: ignore[union-attr]


def test_an_article_sharing_too_few_of_the_question_words_is_not_lifted(index: KnowledgeIndex):
    boost = LawBoost(law_bonus=3.0, article_bonus=1.0, min_word_share=0.5)
    lexical = np.array([10.0, 6.0, 2.0], dtype=np.float32)  # guide, the agreeing article, an unrelated article
    assert boost.scores(index.chunks, "报案法律怎么规定", lexical).tolist() == [0.0, 3.0, 0.0]  # type: ignore[union-attr]
    english = boost.scores(index.chunks, "What does the law say about reporting?", lexical)
    assert english.tolist() == [0.0, 3.0, 3.0]  # type: ignore[union-attr]  # no shared words across languages
