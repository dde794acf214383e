from bot.privacy import mask_personal_data


def test_masks_mainland_mobile_numbers_with_and_without_separators() -> None:
    text = "电话13812345678或者 159-1234-5678，也可以 +86 186 0000 1111"

    masked = mask_personal_data(text)

    assert "13812345678" not in masked
    assert "159-1234-5678" not in masked
    assert "186 0000 1111" not in masked
    assert masked.count("<phone>") == 3


def test_masks_18_character_resident_id_including_x_check_digit() -> None:
    masked = mask_personal_data("身份证号 11010119900307451X 和 110101199003074518")

    assert "11010119900307451X" not in masked
    assert "110101199003074518" not in masked
    assert masked.count("<id-number>") == 2


def test_masks_15_digit_legacy_id() -> None:
    assert mask_personal_data("老身份证 110101900307451") == "老身份证 <id-number>"


def test_masks_bank_card_numbers() -> None:
    assert "6222021234567890123" not in mask_personal_data("卡号 6222021234567890123")


def test_keeps_ordinary_numbers_and_text() -> None:
    text = "贷款5万元，利率3.45%，期限12个月，拨打96110或110"

    assert mask_personal_data(text) == text


def test_does_not_treat_part_of_a_longer_number_as_a_phone() -> None:
    masked = mask_personal_data("订单 2013812345678999")

    assert "<phone>" not in masked
