"""AMR-NB (WeChat voice notes) through the system's libopencore-amrnb (Debian `libopencore-amrnb0`), by ctypes.

PyAV's own AMR decoder fails on these files, so the frames are handed to the opencore library one by one. The
encoder of the same library makes AMR files for tests and the evaluation.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from core.errors import NonghuiError

AMR_MAGIC = b"#!AMR\n"
AMR_RATE = 8000
FRAME_SAMPLES = 160
# Bytes after the one-byte header of each frame type (modes 4.75–12.2 kbit/s, then SID; 15 = no data).
_FRAME_BYTES = (12, 13, 15, 17, 19, 20, 26, 31, 5, 0, 0, 0, 0, 0, 0, 0)
_LIBRARY_NAMES = ("libopencore-amrnb.so.0", "opencore-amrnb")


class AmrUnavailable(NonghuiError):
    """The system library libopencore-amrnb is not installed (setup installs it with ffmpeg on Debian)."""


class AmrUnreadable(NonghuiError):
    """The bytes are not an AMR-NB file."""


@lru_cache(maxsize=1)
def _library() -> ctypes.CDLL:
    for name in _LIBRARY_NAMES:
        path = ctypes.util.find_library(name) if "." not in name else name
        if not path:
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        lib.Decoder_Interface_init.restype = ctypes.c_void_p
        lib.Decoder_Interface_exit.argtypes = [ctypes.c_void_p]
        lib.Decoder_Interface_Decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
        lib.Encoder_Interface_init.restype = ctypes.c_void_p
        lib.Encoder_Interface_init.argtypes = [ctypes.c_int]
        lib.Encoder_Interface_exit.argtypes = [ctypes.c_void_p]
        lib.Encoder_Interface_Encode.argtypes = [
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_int,
        ]
        lib.Encoder_Interface_Encode.restype = ctypes.c_int
        return lib
    raise AmrUnavailable("libopencore-amrnb is not installed")


def amr_available() -> bool:
    """Whether the AMR-NB library can be loaded."""
    try:
        _library()
    except AmrUnavailable:
        return False
    return True


def is_amr(data: bytes) -> bool:
    """Whether `data` starts like an AMR-NB file."""
    return data.startswith(AMR_MAGIC)


def decode_amr(data: bytes) -> npt.NDArray[np.int16]:
    """The 8 kHz mono 16-bit samples of an AMR-NB file (a truncated last frame is dropped)."""
    if not is_amr(data):
        raise AmrUnreadable("not an AMR-NB file")
    lib = _library()
    state = lib.Decoder_Interface_init()
    frames: list[npt.NDArray[np.int16]] = []
    out = np.zeros(FRAME_SAMPLES, dtype=np.int16)
    try:
        position = len(AMR_MAGIC)
        while position < len(data):
            size = 1 + _FRAME_BYTES[(data[position] >> 3) & 0x0F]
            frame = data[position : position + size]
            if len(frame) < size:
                break
            lib.Decoder_Interface_Decode(state, frame, out.ctypes.data, 0)
            frames.append(out.copy())
            position += size
    finally:
        lib.Decoder_Interface_exit(state)
    if not frames:
        raise AmrUnreadable("no AMR-NB frames")
    return np.concatenate(frames)


def encode_amr(samples: npt.NDArray[np.int16], *, mode: int = 7) -> bytes:
    """An AMR-NB file of 8 kHz mono 16-bit samples (mode 7 = 12.2 kbit/s, what phones record)."""
    lib = _library()
    state = lib.Encoder_Interface_init(0)
    pcm = np.ascontiguousarray(samples, dtype=np.int16)
    padded = np.concatenate([pcm, np.zeros((-len(pcm)) % FRAME_SAMPLES, dtype=np.int16)])
    buffer = ctypes.create_string_buffer(64)
    chunks = [AMR_MAGIC]
    try:
        for start in range(0, len(padded), FRAME_SAMPLES):
            frame = np.ascontiguousarray(padded[start : start + FRAME_SAMPLES])
            written = lib.Encoder_Interface_Encode(state, mode, frame.ctypes.data, buffer, 0)
            chunks.append(buffer.raw[:written])
    finally:
        lib.Encoder_Interface_exit(state)
    return b"".join(chunks)
