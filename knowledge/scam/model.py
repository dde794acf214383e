"""Learned scam scorer: char n-gram TF-IDF + logistic regression trained from the shipped, self-written texts."""

from __future__ import annotations

import csv
import hashlib
import logging
import math
import os
import pickle
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.errors import NonghuiError
from knowledge.lang import detect_lang
from knowledge.scam.rules import DATA_DIR, normalise

log = logging.getLogger(__name__)

DEFAULT_TRAINING_FILES = (DATA_DIR / "train_zh.tsv", DATA_DIR / "train_en.tsv")
_MAX_CHARS = 2000
_LABELS = {"scam": 1, "legit": 0}
# Calibration: the raw probability at this quantile of out-of-fold *legitimate* training messages maps to
# 0.5 (the "medium" operating point), and the median out-of-fold scam probability maps to 0.8 ("high").
LEGIT_QUANTILE = 0.98
_FOLDS = 5
_EPS = 1e-6


def _logit(value: float) -> float:
    clipped = min(1.0 - _EPS, max(_EPS, value))
    return math.log(clipped / (1.0 - clipped))


@dataclass(frozen=True)
class Calibration:
    """Monotone map from the classifier's raw probability to the detector's risk scale (logit-linear)."""

    legit_point: float
    scam_point: float

    def apply(self, raw: float) -> float:
        """Map a raw probability so that legit_point -> 0.5 and scam_point -> 0.8."""
        slope = _logit(0.8) / max(_logit(self.scam_point) - _logit(self.legit_point), 0.05)
        return 1.0 / (1.0 + math.exp(-slope * (_logit(raw) - _logit(self.legit_point))))


class ScamModelError(NonghuiError):
    """The learned scam model could not be trained or loaded."""


def default_cache_dir() -> Path:
    """Where trained scam models are cached: $NONGHUI_HOME/models/scam."""
    home = Path(os.environ.get("NONGHUI_HOME") or Path.home() / ".cache" / "nonghui")
    return home / "models" / "scam"


@dataclass(frozen=True)
class LabelledText:
    """One training message: its text, 1 for scam / 0 for legitimate, language and kind."""

    text: str
    label: int
    lang: str
    kind: str


def read_training_file(path: Path) -> list[LabelledText]:
    """Read a TSV of `label<TAB>kind<TAB>text` rows (label scam|legit; # starts a comment)."""
    rows: list[LabelledText] = []
    lang = "zh" if path.stem.endswith("zh") else "en"
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
                if not row or row[0].startswith("#"):
                    continue
                if len(row) != 3 or row[0] not in _LABELS:
                    raise ScamModelError(f"{path.name}:{number}: expected label<TAB>kind<TAB>text")
                rows.append(LabelledText(text=row[2], label=_LABELS[row[0]], lang=lang, kind=row[1]))
    except OSError as exc:
        raise ScamModelError(f"cannot read training file {path.name}: {exc}") from exc
    return rows


def _prepare(text: str) -> str:
    return normalise(text)[:_MAX_CHARS].lower()


class ScamModel:
    """A lazily trained/loaded text classifier giving the probability that a message is a scam."""

    def __init__(
        self,
        training_files: tuple[Path, ...] = DEFAULT_TRAINING_FILES,
        cache_dir: Path | None = None,
        regularisation: float = 4.0,
    ) -> None:
        self._training_files = training_files
        self._cache_dir = cache_dir
        self._c = regularisation
        self._pipeline: Any = None
        self._calibration: dict[str, Calibration] = {}
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """True once the classifier is in memory."""
        return self._pipeline is not None

    def _fingerprint(self) -> str:
        import sklearn

        digest = hashlib.sha256(f"sklearn={sklearn.__version__};C={self._c};q={LEGIT_QUANTILE};v3".encode())
        for path in self._training_files:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]

    def _build(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        return Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=(1, 4),
                        min_df=1,
                        sublinear_tf=True,
                        max_features=200_000,
                    ),
                ),
                ("clf", LogisticRegression(C=self._c, class_weight="balanced", max_iter=2000)),
            ]
        )

    def _calibrate(self, examples: list[LabelledText]) -> dict[str, Calibration]:
        """Fit per-language calibrations from out-of-fold probabilities on the training data itself."""
        import numpy as np
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        labels = np.array([example.label for example in examples])
        folds = min(_FOLDS, int(np.bincount(labels).min()))
        if folds < 2:
            raise ScamModelError("too few training examples of one label to calibrate")
        raw = cross_val_predict(
            self._build(),
            [_prepare(example.text) for example in examples],
            labels,
            cv=StratifiedKFold(folds, shuffle=True, random_state=0),
            method="predict_proba",
        )[:, 1]
        langs = np.array([example.lang for example in examples])
        calibrations: dict[str, Calibration] = {}
        for lang in ("zh", "en", "all"):
            mask = np.ones(len(examples), dtype=bool) if lang == "all" else langs == lang
            legit, scam = raw[mask & (labels == 0)], raw[mask & (labels == 1)]
            if len(legit) == 0 or len(scam) == 0:
                continue
            legit_point = float(np.quantile(legit, LEGIT_QUANTILE))
            scam_point = max(float(np.median(scam)), legit_point + 0.05)
            calibrations[lang] = Calibration(legit_point=legit_point, scam_point=min(scam_point, 0.999))
        return calibrations

    def train(self) -> dict[str, Any]:
        """Train and calibrate the classifier from the shipped training files (returns the artefact, not cached)."""
        examples: list[LabelledText] = []
        for path in self._training_files:
            examples.extend(read_training_file(path))
        labels = {example.label for example in examples}
        if labels != {0, 1}:
            raise ScamModelError("training data needs both scam and legit examples")
        calibrations = self._calibrate(examples)
        pipeline = self._build()
        pipeline.fit([_prepare(example.text) for example in examples], [example.label for example in examples])
        return {"pipeline": pipeline, "calibration": calibrations}

    def warm_up(self) -> None:
        """Load the cached classifier, training and caching it first when needed."""
        if self._pipeline is not None:
            return
        with self._lock:
            if self._pipeline is not None:
                return
            cache_dir = self._cache_dir or default_cache_dir()
            cache_path = cache_dir / f"scam-tfidf-lr-{self._fingerprint()}.pkl"
            if cache_path.exists():
                try:
                    with cache_path.open("rb") as handle:
                        artefact = pickle.load(handle)
                    self._calibration = artefact["calibration"]
                    self._pipeline = artefact["pipeline"]
                    return
                except (OSError, pickle.UnpicklingError, EOFError, AttributeError, KeyError, TypeError) as exc:
                    log.warning("scam model cache unreadable (%s); retraining", type(exc).__name__)
            artefact = self.train()
            try:
                cache_dir.mkdir(parents=True, exist_ok=True)
                partial = cache_path.with_suffix(".tmp")
                with partial.open("wb") as handle:
                    pickle.dump(artefact, handle)
                partial.replace(cache_path)
            except OSError as exc:
                log.warning("scam model not cached (%s); using it from memory", type(exc).__name__)
            self._calibration = artefact["calibration"]
            self._pipeline = artefact["pipeline"]

    def raw_probability(self, text: str) -> float:
        """Return the classifier's uncalibrated scam probability; loads the model on first use."""
        self.warm_up()
        return float(self._pipeline.predict_proba([_prepare(text)])[0][1])

    def predict(self, text: str) -> float:
        """Return the calibrated scam risk (0–1) on the detector's scale; loads the model on first use."""
        raw = self.raw_probability(text)
        calibration = self._calibration.get(detect_lang(text) or "all") or self._calibration.get("all")
        return calibration.apply(raw) if calibration else raw
