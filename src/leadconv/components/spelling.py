"""One spelling per level: separators, case, spacing, hyphens and "other"/"others" unified.

Every feature set that reads text spells it this way before encoding (`raw` and `native` too, not only
`clean`), so a level written in a later file's conventions ("End Customer", "/ City / Country",
"others") is the level train knows ("End-Customer", "/City/Country", "other"). Spelling keeps no
state and reads no label: each value is spelled from its own cell only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import pandas as pd

OTHER = "other"

# Exact (post-normalisation) spellings that mean the same thing. Keys are
# normalised before use, so they may be written in any case or separator style.
SYNONYMS: dict[str, str] = {
    # End customers, as the forms spell them.
    "end customer": "end customer",
    "end customers": "end customer",
    "end user": "end customer",
    "enduser": "end customer",
    "commercial end user": "end customer",
    "cliente final": "end customer",
    # "Other", in English abbreviations and the forms' other languages.
    "others": OTHER,
    "other(s)": OTHER,
    "etc": OTHER,
    "otro": OTHER,
    "otros": OTHER,
    "outros": OTHER,
    "outro": OTHER,
    "autre": OTHER,
    "autres": OTHER,
    "altro": OTHER,
    "sonstiges": OTHER,
    "egyéb": OTHER,
    "lainnya": OTHER,
    "inne": OTHER,
    "vb": OTHER,
    "ฯลฯ": OTHER,
    "אחר": OTHER,
    "آخر": OTHER,
    "specifier/influencer": "specifier influencer",
    "home owner": "homeowner",
    "software/solution provider": "software solution provider",
    # Spellings with a lost space.
    "vicepresident": "vice president",
    "c levelexecutive": "c level executive",
    "entrylevel": "entry level",
    "decisionmaker": "decision maker",
    "less then 6 months": "less than 6 months",
}


def normalise_text(s: pd.Series) -> pd.Series:
    """Lowercase, unify separators and whitespace; empty becomes NaN.

    'End-Customer', 'End Customer' and 'end_customer' all become 'end customer';
    'Specifier/ Influencer' and 'Specifier / Influencer' become 'specifier/influencer'.
    """
    text = (
        s.astype("str")
        .str.normalize("NFKC")
        .str.replace("[\u200b-\u200d\ufeff]", "", regex=True)  # zero-width chars in pasted text
        .str.lower()
        .str.replace(r"[_\-\u2013\u2014]+", " ", regex=True)
        .str.replace(r"\s*/\s*", "/", regex=True)
        .str.replace(r"\s+", " ", regex=True)
        .str.strip(" .,;:/|")  # 'etc.' == 'etc', 'other_' == 'other'
    )
    return text.mask(text == "")


def merge_synonyms(s: pd.Series, synonyms: Mapping[str, str] = SYNONYMS) -> pd.Series:
    """Normalise, then replace exact synonym spellings by their canonical form."""
    table = _normalised_keys(tuple(synonyms.items()))
    return map_values(normalise_text(s), lambda value: table.get(value, value))


@functools.cache
def _normalised_keys(items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    keys = normalise_text(pd.Series([k for k, _ in items], dtype="str"))
    return {k: v for k, (_, v) in zip(keys, items) if isinstance(k, str)}


def map_values(text: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    """Apply fn once per distinct value (few levels, many rows); NaN stays NaN."""
    table = {value: fn(value) for value in text.dropna().unique()}
    return text.map(table).astype("str")


def text_columns(frame: pd.DataFrame) -> list[str]:
    """The columns holding text (integer ids such as customer_idx are left as they are)."""
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]


def per_distinct(frame: pd.DataFrame, cleaners: Mapping[str, Callable[[pd.Series], pd.Series]]) -> pd.DataFrame:
    """A copy of frame with each named column passed through its cleaner once per distinct value:
    the rules are cell-wise and levels are few, so this equals cleaning every row, much faster."""
    out = frame.copy()
    for column, clean in cleaners.items():
        if column in frame.columns:
            distinct = frame[column].drop_duplicates().dropna().reset_index(drop=True)
            out[column] = frame[column].map(dict(zip(distinct, clean(distinct)))).astype("str")
    return out


def spell_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of frame with every text column in one spelling per level (numbers untouched)."""
    return per_distinct(frame, dict.fromkeys(text_columns(frame), merge_synonyms))
