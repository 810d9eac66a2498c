"""Loading and validating the competition files (or the synthetic stand-in) into a `Dataset`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from leadconv import schema
from leadconv.errors import DataError

TRUE_WORDS = {"true", "1", "1.0", "yes", "y", "t"}
FALSE_WORDS = {"false", "0", "0.0", "no", "n", "f"}


@dataclass
class Dataset:
    """Training rows, their labels and the rows to predict, in one validated bundle."""

    name: str
    train: pd.DataFrame  # schema.FEATURES columns
    y: np.ndarray  # 0/1 labels, aligned with train
    test: pd.DataFrame  # schema.FEATURES columns
    test_ids: pd.Series
    digest: str  # content hash of train + labels: runs are comparable only when it matches
    source: str

    @property
    def groups(self) -> pd.Series:
        return self.train[schema.GROUP]


def normalise_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Numeric columns as float, categorical as text with missing values kept as NaN.

    Explicit on purpose: with pandas 3 `astype(str)` keeps NaN as NaN while pandas 2 writes
    "nan", and CatBoost rejects both a float NaN in a text column and a fake "nan" level.
    """
    out = frame.copy()
    for column in schema.NUMERIC:
        values = pd.to_numeric(out[column], errors="coerce")
        bad = out[column].notna() & values.isna()
        if bad.any():
            example = out.loc[bad, column].iloc[0]
            raise DataError(
                f"column {column!r} must be numeric but holds {example!r} ({int(bad.sum())} rows); "
                "fix or blank those cells"
            )
        out[column] = values.astype(float)
        infinite = np.isinf(out[column])
        if infinite.any():
            raise DataError(
                f"column {column!r} holds an infinite value ({int(infinite.sum())} rows, e.g. "
                f"{str(frame.loc[infinite, column].iloc[0])[:20]!r}); fix or blank those cells"
            )
    for column in schema.CATEGORICAL:
        text = out[column].astype(str).str.strip()
        out[column] = text.where(out[column].notna() & (text != ""), np.nan)
    return out


def parse_label(values: pd.Series) -> np.ndarray:
    """Boolean-like labels (True/False, 1/0, yes/no) to 0/1; anything else is an error."""
    words = values.astype(str).str.strip().str.lower()
    positive, negative = words.isin(TRUE_WORDS), words.isin(FALSE_WORDS)
    bad = ~(positive | negative) | values.isna()
    if bad.any():
        examples = sorted(set(values[bad].astype(str)))[:5]
        raise DataError(
            f"label column {schema.LABEL!r} has {int(bad.sum())} values that are not boolean-like "
            f"(e.g. {examples}); use True/False or 1/0"
        )
    return positive.to_numpy(dtype=np.int8)


def shorten(items, limit: int = 3, width: int = 24) -> str:
    """A list for an error message, cut short: input can be arbitrarily long garbage."""
    items = [str(item) for item in items]
    shown = [item if len(item) <= width else item[:width] + "…" for item in items[:limit]]
    return repr(shown) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def check_columns(frame: pd.DataFrame, expected: list[str], path: str) -> None:
    missing = [c for c in expected if c not in frame.columns]
    unexpected = [c for c in frame.columns if c not in expected]
    if missing or unexpected:
        raise DataError(
            f"{path} has the wrong columns (missing: {shorten(missing) if missing else 'none'}; unexpected: "
            f"{shorten(unexpected) if unexpected else 'none'}); it must have the competition's header "
            f"({len(expected)} columns: {', '.join(expected[:3])}, …)"
        )


def check_scoring_columns(frame: pd.DataFrame, path: str) -> None:
    """A file to score needs `id` and the 28 lead columns the models read, in any order; other columns
    (notes, a CRM's own fields) are carried through untouched, and `is_converted` may be absent."""
    required = [schema.ID, *schema.FEATURES]
    missing = [c for c in required if c not in frame.columns]
    separator = next((sep for sep in ";\t|" if len(frame.columns) == 1 and sep in str(frame.columns[0])), None)
    if missing and separator:
        raise DataError(
            f"{path} looks separated by {separator!r}, not commas (its header is one column); "
            "save it as comma-separated UTF-8 CSV"
        )
    if missing:
        raise DataError(
            f"{path} lacks {len(missing)} column(s) the models need: {shorten(missing, limit=6)}; add them "
            f"under these names (empty cells are fine), the required ones being id and the 28 lead columns of "
            f"the competition's header ({', '.join(schema.FEATURES[:3])}, …); other columns are carried through"
        )


def check_ids(ids: pd.Series, source: str) -> None:
    if ids.isna().any() or ids.duplicated().any():
        raise DataError(f"{source} has missing or duplicated ids; every row needs a unique id")


def dataset_digest(train: pd.DataFrame, y: np.ndarray) -> str:
    hashed = pd.util.hash_pandas_object(train, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes() + np.asarray(y).tobytes()).hexdigest()[:16]


def build_dataset(name: str, train_raw: pd.DataFrame, test_raw: pd.DataFrame, source: str) -> Dataset:
    check_columns(train_raw, schema.TRAIN_COLUMNS, f"{source} train file")
    check_columns(test_raw, schema.TEST_COLUMNS, f"{source} test file")
    y = parse_label(train_raw[schema.LABEL])
    if y.min() == y.max():
        raise DataError(
            f"{source} train file has only one label class; both converted and not converted leads are needed"
        )
    train = normalise_types(train_raw[schema.FEATURES])
    test = normalise_types(test_raw[schema.FEATURES])
    ids = test_raw[schema.ID]
    check_ids(ids, f"{source} test file")
    return Dataset(
        name,
        train.reset_index(drop=True),
        y,
        test.reset_index(drop=True),
        ids.reset_index(drop=True),
        dataset_digest(train, y),
        source,
    )


def read_csv(path: Path) -> pd.DataFrame:
    """Read a competition-layout CSV with categorical columns as text, exactly as written."""
    if not path.is_file():
        raise DataError(
            f"data file not found: {path}; put train.csv and submission.csv there, set "
            "LG_AIMERS_DATA_DIR to their directory, or run with dataset=synthetic"
        )
    text_columns = {c: str for c in schema.CATEGORICAL + [schema.LABEL]}
    try:
        frame = pd.read_csv(path, dtype=text_columns)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty; restore the competition file") from None
    except UnicodeDecodeError as error:
        raise DataError(f"{path} is not UTF-8 text (byte {error.start}); save it as UTF-8 CSV") from None
    except (pd.errors.ParserError, ValueError) as error:
        detail = str(error).strip().splitlines()[-1][:150] if str(error).strip() else type(error).__name__
        raise DataError(
            f"{path} is not a well-formed CSV ({detail}); save it as comma-separated UTF-8 text with "
            "the competition's header"
        ) from None
    if frame.empty:
        raise DataError(f"{path} has a header but no rows; restore the competition file")
    return frame


class CompetitionData:
    """The competition's train.csv and submission.csv, read from `data_dir`."""

    def __init__(self, data_dir: str, train_file: str = "train.csv", test_file: str = "submission.csv"):
        self.data_dir = data_dir
        self.train_file = train_file
        self.test_file = test_file

    def load(self) -> Dataset:
        directory = Path(self.data_dir)
        if not directory.is_dir():
            raise DataError(
                f"data directory not found: {directory}; put train.csv and submission.csv there, "
                "set LG_AIMERS_DATA_DIR to their directory, or run with dataset=synthetic"
            )
        train = read_csv(directory / self.train_file)
        test = read_csv(directory / self.test_file)
        return build_dataset("lg_aimers", train, test, str(directory))


class SyntheticData:
    """A generated stand-in with the competition's layout, so everything runs without the files."""

    def __init__(self, n_rows: int = 3000, n_test: int = 600, seed: int = 0, positive_rate: float = 0.08):
        self.n_rows = n_rows
        self.n_test = n_test
        self.seed = seed
        self.positive_rate = positive_rate

    def load(self) -> Dataset:
        from leadconv.components.synthetic import make_synthetic

        for key in ("n_rows", "n_test"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise DataError(f"dataset.{key} must be a whole number >= 1, got {value!r}; e.g. dataset.{key}=3000")
        if not isinstance(self.positive_rate, (int, float)) or not 0 < self.positive_rate < 1:
            raise DataError(f"dataset.positive_rate must be a number in (0, 1), got {self.positive_rate!r}")

        train, test = make_synthetic(self.n_rows, self.n_test, self.seed, self.positive_rate)
        source = f"synthetic(n_rows={self.n_rows}, n_test={self.n_test}, seed={self.seed})"
        return build_dataset("synthetic", train, test, source)
