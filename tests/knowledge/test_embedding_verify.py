from knowledge.embedding.sentences import check_sentences, subset
from knowledge.embedding.verify import VerificationReport


def _report(**changes):
    values = {
        "sentences": 10,
        "mean_cosine": 0.9999,
        "min_cosine": 0.999,
        "worst": [],
        "ordinary_checked": 8,
        "ordinary_identical": 8,
        "odd_checked": 2,
        "odd_identical": 1,
        "token_count_checked": 10,
        "token_count_identical": 10,
    }
    values.update(changes)
    return VerificationReport(**values)


def test_verification_passes_when_every_threshold_holds():
    assert _report().failures() == []


def test_verification_fails_on_a_low_mean_cosine():
    assert any("mean cosine" in p for p in _report(mean_cosine=0.998).failures())


def test_verification_fails_on_one_poor_sentence():
    assert any("min cosine" in p for p in _report(min_cosine=0.96).failures())


def test_verification_fails_when_ordinary_token_ids_differ():
    assert any("token ids" in p for p in _report(ordinary_identical=7).failures())


def test_verification_fails_when_no_token_ids_were_compared():
    assert _report(ordinary_checked=0, ordinary_identical=0).failures()


def test_check_sentences_cover_at_least_200_texts_in_every_category():
    sentences = check_sentences()
    assert len(sentences) >= 200
    kinds = {s.kind for s in sentences}
    assert kinds == {"farmer_zh", "policy_zh", "english", "mixed", "odd", "long"}
    assert sum(len(s.text) > 1500 for s in sentences if s.kind == "long") >= 3


def test_subset_keeps_every_category():
    assert {s.kind for s in subset(20)} == {s.kind for s in check_sentences()}
