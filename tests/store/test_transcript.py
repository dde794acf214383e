from store.repository import SqlFarmerContacts
from store.transcript import SqlTranscript, TurnRecord


def test_turns_are_read_back_in_order_and_linked_to_the_farmer(sessions):
    SqlFarmerContacts(sessions).record_start(channel="telegram", external_id="7", payload=None, lang="zh")
    transcript = SqlTranscript(sessions)
    transcript.record_turns(
        [
            TurnRecord("telegram", "7", "in", "代款要抵押吗", intent="ask_loan", topic="loan", answered=True),
            TurnRecord("telegram", "7", "out", "不需要抵押。", sources=["《小额信贷》 第二节"]),
        ]
    )
    transcript.record_turns([TurnRecord("telegram", "7", "in", "谢谢", intent="thanks", topic="other")])
    turns = transcript.transcript(channel="telegram", external_id="7")
    assert [(t.direction, t.text) for t in turns] == [
        ("in", "代款要抵押吗"),
        ("out", "不需要抵押。"),
        ("in", "谢谢"),
    ]
    assert turns[0].answered is True and turns[0].topic == "loan"
    assert turns[1].sources == ["《小额信贷》 第二节"]


def test_transcript_is_limited_to_the_latest_turns_of_one_sender(sessions):
    transcript = SqlTranscript(sessions)
    transcript.record_turns([TurnRecord("web", "a", "in", f"q{i}") for i in range(5)])
    transcript.record_turns([TurnRecord("web", "b", "in", "other farmer")])
    latest = transcript.transcript(channel="web", external_id="a", limit=2)
    assert [t.text for t in latest] == ["q3", "q4"]


def test_overlong_text_is_cut_before_storage(sessions):
    transcript = SqlTranscript(sessions)
    transcript.record_turns([TurnRecord("web", "c", "in", "长" * 10_000)])
    (turn,) = transcript.transcript(channel="web", external_id="c")
    assert len(turn.text) == 4000
