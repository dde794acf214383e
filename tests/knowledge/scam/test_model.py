"""The learned scorer: trained from shipped text into a cache dir, calibrated, and loaded lazily."""

from pathlib import Path

import pytest

from knowledge.scam.detector import ScamDetector
from knowledge.scam.model import ScamModel, ScamModelError, read_training_file
from knowledge.scam.rules import RuleSet

TINY_ZH = "\n".join(
    [f"scam\tloan\t放款前请先交解冻费{i}元，否则贷款被冻结" for i in range(8)]
    + [f"scam\tpolice\t我是公安局警官，你涉嫌洗钱，转到安全账户{i}" for i in range(8)]
    + [f"legit\tpromo\t本店周年庆全场{i}折，欢迎光临，退订回T" for i in range(8)]
    + [f"legit\tfamily\t妈，我周末回家吃饭，带{i}斤苹果" for i in range(8)]
)


def _tiny_training(tmp_path: Path) -> tuple[Path, ...]:
    path = tmp_path / "train_zh.tsv"
    path.write_text("# tiny\n" + TINY_ZH + "\n", encoding="utf-8")
    return (path,)


def test_model_is_not_loaded_until_first_use(tmp_path: Path) -> None:
    model = ScamModel(_tiny_training(tmp_path), cache_dir=tmp_path / "cache")
    assert not model.loaded
    assert not (tmp_path / "cache").exists()


def test_model_trains_into_cache_and_scores_scams_above_legit(tmp_path: Path) -> None:
    model = ScamModel(_tiny_training(tmp_path), cache_dir=tmp_path / "cache")
    scam = model.predict("请先交解冻费，贷款才能放款")
    legit = model.predict("周末回家吃饭，妈")
    assert model.loaded
    assert scam > legit
    assert len(list((tmp_path / "cache").glob("scam-tfidf-lr-*.signed"))) == 1


def test_second_model_instance_loads_the_cached_artefact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _tiny_training(tmp_path)
    first = ScamModel(files, cache_dir=tmp_path / "cache")
    expected = first.predict("我是警官，转到安全账户")

    def refuse_training(self: ScamModel) -> None:
        raise AssertionError("should load from cache, not retrain")

    monkeypatch.setattr(ScamModel, "train", refuse_training)
    second = ScamModel(files, cache_dir=tmp_path / "cache")
    assert second.predict("我是警官，转到安全账户") == pytest.approx(expected)


def test_changed_training_text_invalidates_the_cache(tmp_path: Path) -> None:
    files = _tiny_training(tmp_path)
    ScamModel(files, cache_dir=tmp_path / "cache").warm_up()
    files[0].write_text(TINY_ZH + "\nlegit\tbank\t您的账户收入工资3000元\n", encoding="utf-8")
    ScamModel(files, cache_dir=tmp_path / "cache").warm_up()
    assert len(list((tmp_path / "cache").glob("scam-tfidf-lr-*.signed"))) == 2


def test_malformed_training_row_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "train_zh.tsv"
    path.write_text("maybe\tkind\ttext\n", encoding="utf-8")
    with pytest.raises(ScamModelError):
        read_training_file(path)


def test_shipped_training_data_has_both_languages_and_labels() -> None:
    model_files = ScamModel()._training_files
    rows = [row for path in model_files for row in read_training_file(path)]
    for lang in ("zh", "en"):
        labels = {row.label for row in rows if row.lang == lang}
        assert labels == {0, 1}
    assert len(rows) >= 300


@pytest.fixture(scope="module")
def full_detector(tmp_path_factory: pytest.TempPathFactory) -> ScamDetector:
    """The shipped rules plus the model trained from the shipped text (about 10 s, once per module)."""
    from knowledge.scam.rate import LprConfig

    detector = ScamDetector(
        RuleSet.from_yaml(), ScamModel(cache_dir=tmp_path_factory.mktemp("scam-cache")), LprConfig.from_yaml()
    )
    detector.warm_up()
    return detector


TRICKY_LEGIT = [
    "【中国农业银行】尊敬的客户，您的惠农e贷本期应还款1,235.00元，请于15日前存入您尾号4410的账户。如已还款请忽略。",
    "【人保财险】您的玉米种植保险理赔案件已受理，查勘员将于近日联系您，理赔全程不收取任何费用。",
    "各位村民，本周日上午9点在村委会开会，讨论修路的事情，请每户来一个人。",
    "【顺丰速运】您的快件已到村口代收点，取件码8-3-112，请凭取件码领取。",
    "【支付宝】验证码693021，您正在登录，请勿将验证码告诉任何人，包括客服。",
    "Your verification code is 204981. Do not tell anyone this code, we will never ask for it.",
    "Reminder from your bank: your loan repayment of 180.00 is due on 3 July.",
    "Reminder: your appointment at the dental practice is on Thursday at 2:15pm. Reply Y to confirm or N to cancel.",
    "Hi Tom, thanks for applying. We'd like to invite you to an interview on Monday at 10am. Please reply to confirm.",
    "Your caller tune Tum Hi Ho is now active. Rs 30 per month will be charged. To deactivate dial 155223.",
    "OTP 381204 to add payee S JONES. Do not share this OTP with anyone, bank staff will never ask for it.",
    "Haha I won 10 quid on the scratch card, call me when ur free and I'll buy u a drink",
    "【优衣库】冬季新品上市，会员全场8折，详询门店。回T退订",
]


@pytest.mark.parametrize("text", TRICKY_LEGIT)
def test_tricky_legitimate_messages_do_not_trigger_a_warning(full_detector: ScamDetector, text: str) -> None:
    assert not full_detector.assess(text).should_warn


@pytest.mark.parametrize(
    "text",
    [
        "您好，我是网贷平台的客服，您的借款因卡号错误被冻结，需要先缴纳解冻金才能重新放款。",
        "你好，我是县公安局的，你的银行卡涉嫌洗钱，请配合调查，把钱转到我们指定的账户核查。",
        "I'm your manager, in a meeting now. Urgently need you to buy gift cards for a client and text me the codes.",
        "WINNER! You have been selected for a £900 prize. Call 09061701461 to claim. Valid 12 hours.",
        "Quiz time! Reply QUIZ now to answer 3 easy questions and win a holiday for 2. 1.50 per msg, 18+",
    ],
)
def test_scam_messages_trigger_a_warning(full_detector: ScamDetector, text: str) -> None:
    assert full_detector.assess(text).should_warn


def test_calibration_maps_its_anchors_exactly_and_keeps_the_order() -> None:
    from knowledge.scam.model import ALONE_RISK, Calibration

    legit = [i / 1000 for i in range(1000)]  # spread over 0..0.999
    scam = [0.9995] * 10
    calibration = Calibration.from_scores(legit, scam)
    anchors = [0.98 * 0.999, 0.995 * 0.999, 0.9995]
    assert calibration.apply(anchors[0]) == pytest.approx(0.5, abs=1e-3)
    assert calibration.apply(anchors[1]) == pytest.approx(ALONE_RISK, abs=1e-3)
    assert calibration.apply(anchors[2]) == pytest.approx(0.8, abs=1e-3)
    values = [calibration.apply(x / 100) for x in range(1, 100)]
    assert values == sorted(values)
    assert values[0] > 0.0
    assert values[-1] < 1.0


def test_calibration_stays_monotone_when_scam_scores_overlap_legit_ones() -> None:
    from knowledge.scam.model import Calibration

    calibration = Calibration.from_scores([0.5] * 50, [0.4] * 50)
    values = [calibration.apply(x / 20) for x in range(1, 20)]
    assert values == sorted(values)


def test_each_language_is_scored_by_its_own_classifier(tmp_path: Path) -> None:
    zh = tmp_path / "train_zh.tsv"
    zh.write_text(TINY_ZH + "\n", encoding="utf-8")
    en = tmp_path / "train_en.tsv"
    en.write_text(
        "\n".join(
            [f"scam\tprize\tYou won {i} pounds, text WIN to 8000{i} to claim" for i in range(8)]
            + [f"legit\tchat\tSee you at the market at {i} o'clock" for i in range(8)]
        )
        + "\n",
        encoding="utf-8",
    )
    model = ScamModel((zh, en), cache_dir=tmp_path / "cache")
    assert model.predict("You won 500 pounds, text WIN now") > model.predict("See you at the market tomorrow")
    assert model.predict("请先交解冻费才能放款") > model.predict("周末回家吃饭")
    artefact = model.train()
    assert set(artefact["pipelines"]) == {"zh", "en"}


class _Trap:
    """Unpickling this touches `marker`: proof that a cache file was unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(self.marker),))  # type: ignore[return-value]


@pytest.mark.parametrize("signed_with_other_key", [False, True])
def test_a_planted_cache_file_is_never_unpickled(tmp_path: Path, signed_with_other_key: bool) -> None:
    import pickle

    from knowledge.scam.model import write_signed_pickle

    files = _tiny_training(tmp_path)
    model = ScamModel(files, cache_dir=tmp_path / "cache", cache_key=b"k" * 32)
    model.warm_up()
    [cache] = (tmp_path / "cache").glob("scam-tfidf-lr-*.signed")
    marker = tmp_path / "unpickled"
    if signed_with_other_key:
        write_signed_pickle(cache, _Trap(marker), b"x" * 32)
    else:
        cache.write_bytes(pickle.dumps(_Trap(marker)))

    again = ScamModel(files, cache_dir=tmp_path / "cache", cache_key=b"k" * 32)
    score = again.predict("请先交解冻费，贷款才能放款")

    assert not marker.exists()
    assert 0.0 <= score <= 1.0  # retrained instead
    assert cache.read_bytes().startswith(b"NHMAC1\n")
