"""Synthetic leads laid out like the competition's train.csv and submission.csv.

Why it exists: the competition files cannot ship with the code, yet the tests and
`make demo` must run the whole product. This module invents data with the traits the
product has to cope with: the exact columns and types, messy category spellings, heavy
missing values, customers owning several rows (two of them a large share, one converting
in every row, one almost never), duplicated rows, a test set of mostly unseen customers
with more conversions, and a learnable signal. Every value comes from this module's own
tables and a seeded RNG; nothing is read from the competition files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from leadconv.components.synthetic_tables import (
    BANT_LEVELS,
    BUSINESS_AREAS,
    BUSINESS_SUBAREAS,
    BUSINESS_UNITS,
    CUSTOMER_JOBS,
    CUSTOMER_TYPES,
    ENTERPRISES,
    INQUIRY_TYPES,
    PLACES,
    POSITIONS,
    PRODUCTS_BY_UNIT,
    STREETS,
    TIMELINES,
)
from leadconv.schema import ID, LABEL, TEST_COLUMNS, TRAIN_COLUMNS

HOT_SHARE_OF_POSITIVES = 0.3  # share of train positives from the always-converting customer
COLD_SHARE = 0.15  # train rows of the customer that almost never converts
DUPLICATE_SHARE = 0.05
TEST_SEEN_SHARE = 0.2  # test rows whose customer also appears in train
# Customer type is mostly missing in train; newer (test) customers fill it in more often,
# which lifts their conversion rate through the same label mechanism.
TYPE_MISSING = {"train": 0.72, "test": 0.25}


def _zipf_choice(rng, n_options: int, n: int, weights=None) -> np.ndarray:
    """n indices into n_options, by the given weights or else Zipf (the first most common)."""
    weights = 1.0 / np.arange(1, n_options + 1) if weights is None else np.asarray(weights, float)
    return rng.choice(n_options, n, p=weights / weights.sum())


def _pick(rng, values, n: int, weights=None, missing: float = 0.0) -> np.ndarray:
    """n draws from values as an object array, NaN with probability `missing`."""
    out = np.asarray(values, dtype=object)[_zipf_choice(rng, len(values), n, weights)]
    out[rng.random(n) < missing] = np.nan
    return out


def _masked(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """A copy of values with NaN where missing (object arrays stay object, others float)."""
    out = np.array(values, dtype=object if np.asarray(values).dtype == object else float)
    out[missing] = np.nan
    return out


def _pick_table(rng, table: dict, n: int) -> np.ndarray:
    return _pick(rng, list(table), n, [w for w, _ in table.values()])


def _effect(values: np.ndarray, table: dict) -> np.ndarray:
    effects = {value: effect for value, (_, effect) in table.items()}
    return pd.Series(values).map(effects).fillna(0.0).to_numpy(float)


def _customer_rows(rng, n_rows: int, first: int) -> np.ndarray:
    """Customer position of each of n_rows rows: most customers own one row, a few many."""
    rows_per_customer = np.minimum(rng.zipf(2.5, n_rows), max(20, n_rows // 100))
    return first + np.repeat(np.arange(n_rows), rows_per_customer)[:n_rows]


def _spell_country(rng, country: np.ndarray, city: np.ndarray) -> pd.Series:
    """The competition's '/city/country' strings in their several sloppy layouts."""
    country, city = pd.Series(country), pd.Series(city)
    street = (
        pd.Series(rng.integers(1, 999, len(country)).astype(str)) + " " + pd.Series(_pick(rng, STREETS, len(country)))
    )
    layouts = [
        "/" + city + "/" + country,
        "//" + country,
        "/  / " + country,
        pd.Series("//", index=country.index),
        street + "  / " + city + " / " + country,
    ]
    layout = rng.choice(len(layouts), len(country), p=[0.45, 0.38, 0.1, 0.04, 0.03])
    return pd.Series(np.choose(layout, [s.to_numpy(object) for s in layouts]))


def _customers(rng, n: int, n_train: int) -> pd.DataFrame:
    """One row per customer: what all of its leads share. Positions 0 and 1 are the whales."""
    place = _zipf_choice(rng, len(PLACES), n, [weight for *_, weight in PLACES])
    country, city, corporate, _ = (np.array(column, dtype=object)[place] for column in zip(*PLACES))
    customer_type = _pick_table(rng, CUSTOMER_TYPES, n)
    type_missing = np.where(np.arange(n) < n_train, TYPE_MISSING["train"], TYPE_MISSING["test"])
    customer_type[rng.random(n) < type_missing] = np.nan
    enterprise = _pick_table(rng, ENTERPRISES, n)
    effect = rng.normal(0.0, 0.8, n)
    # the whales: one converts in every row, one almost never
    effect[:2] = [np.inf, -6.0]
    customer_type[:2], enterprise[:2] = ["End Customer", np.nan], ["SMB", "Enterprise"]
    return pd.DataFrame(
        {
            "customer_idx": rng.choice(max(48_000, 4 * n), n, replace=False),
            "customer_country": _spell_country(rng, country, city),
            "response_corporate": corporate,
            "enterprise": enterprise,
            "customer_type": customer_type,
            "lead_owner": rng.permutation(1_100)[_zipf_choice(rng, 1_100, n)],
            "effect": effect,
        }
    )


def _leads(rng, customers: pd.DataFrame) -> pd.DataFrame:
    """One row per lead of the given customers: features plus the latent conversion score."""
    n = len(customers)
    leads = customers.reset_index(drop=True)
    unit = _pick_table(rng, BUSINESS_UNITS, n)
    leads["business_unit"] = unit
    leads["bant_submit"] = np.array(list(BANT_LEVELS))[
        _zipf_choice(rng, len(BANT_LEVELS), n, list(BANT_LEVELS.values()))
    ]

    country_missing = rng.random(n) < 0.02
    leads.loc[country_missing, "customer_country"] = np.nan
    leads["customer_country.1"] = leads["customer_country"]
    respelled = (rng.random(n) < 0.01) & ~country_missing
    country_only = leads.loc[respelled, "customer_country"].str.split("/").str[-1].str.strip()
    leads.loc[respelled, "customer_country.1"] = "//" + country_only

    # win rates: a few invented levels per dataset, missing together as in the real file
    shared = rng.random(n)
    com_reg_rates, bu_ratios = rng.beta(0.7, 6, 30).round(6), rng.beta(2, 30, 20).round(6)
    leads["com_reg_ver_win_rate"] = _masked(rng.choice(com_reg_rates, n), shared < 0.76)
    leads["ver_win_ratio_per_bu"] = _masked(rng.choice(bu_ratios, n), shared < 0.75)
    # ver_win_rate_x is a function of business_area, the common areas winning more
    area = _zipf_choice(rng, len(BUSINESS_AREAS), n)
    area_win_rates = np.sort(rng.beta(0.5, 400, len(BUSINESS_AREAS)).round(6))[::-1]
    area_missing = rng.random(n) < 0.7
    leads["business_area"] = _masked(np.array(BUSINESS_AREAS, dtype=object)[area], area_missing)
    leads["ver_win_rate_x"] = _masked(area_win_rates[area], area_missing)
    subarea_missing = area_missing | (rng.random(n) < 0.7)
    leads["business_subarea"] = _masked(_pick(rng, BUSINESS_SUBAREAS, n), subarea_missing)
    existing = np.floor(rng.lognormal(1.5, 1.5, n))
    leads["historical_existing_cnt"] = _masked(existing, rng.random(n) < 0.76)

    strategic = rng.random(n) < 0.13
    leads["id_strategic_ver"] = np.where((unit == "ID") & strategic, 1.0, np.nan)
    leads["it_strategic_ver"] = np.where((unit == "IT") & strategic, 1.0, np.nan)
    leads["idit_strategic_ver"] = np.where(np.isin(unit, ["ID", "IT"]) & strategic, 1.0, np.nan)
    leads["ver_cus"] = (rng.random(n) < 0.04).astype(float)
    leads["ver_pro"] = (rng.random(n) < 0.05).astype(float)

    templated = rng.random(n) < 0.18  # a fixed form text of length 3
    free_text_length = np.clip(np.round(rng.lognormal(3.4, 1.3, n)), 1, 1300)
    leads["lead_desc_length"] = np.where(templated, 3.0, free_text_length)
    leads["customer_job"] = _pick(rng, CUSTOMER_JOBS, n, missing=0.3)
    leads["customer_position"] = _pick(rng, POSITIONS, n)
    leads["inquiry_type"] = _pick(rng, INQUIRY_TYPES, n, missing=0.02)
    leads["expected_timeline"] = _pick(rng, TIMELINES, n, missing=0.5)

    product = np.full(n, np.nan, dtype=object)
    for name, categories in PRODUCTS_BY_UNIT.items():
        in_unit = unit == name
        product[in_unit] = _pick(rng, categories, int(in_unit.sum()))
    leads["product_category"] = _masked(product, rng.random(n) < 0.3)
    # invented model codes such as 'KTR7 Series' / '55KTR7'
    letters, digits, sizes = (
        rng.choice(list("ABCDEFGHJKMNPRSTUVW"), (25, 3)),
        rng.integers(1, 10, 25),
        rng.choice([32, 43, 55, 65, 86], 25),
    )
    codes = ["".join(c) + str(d) for c, d in zip(letters, digits)]
    model = rng.choice(len(codes), n)
    model_missing = rng.random(n) < 0.85
    subcategories = np.array([f"{code} Series" for code in codes], dtype=object)
    model_names = np.array([f"{size}{code}" for size, code in zip(sizes, codes)], dtype=object)
    leads["product_subcategory"] = _masked(subcategories[model], model_missing)
    leads["product_modelname"] = _masked(model_names[model], model_missing)

    leads["latent"] = (
        leads["effect"]
        + 2.0 * leads["bant_submit"]
        + _effect(leads["customer_type"], CUSTOMER_TYPES)
        + _effect(unit, BUSINESS_UNITS)
        + _effect(leads["enterprise"], ENTERPRISES)
        + 0.4 * (np.log(leads["lead_desc_length"]) - 3.4)
        + rng.logistic(size=n)
    )
    return leads


def _generate(n_rows: int, n_test: int, seed: int, positive_rate: float):
    """(train, test, hidden test labels): the labels the competition would have kept."""
    if n_rows < 1 or n_test < 0:
        raise ValueError(f"need n_rows >= 1 and n_test >= 0, got {n_rows} and {n_test}")
    rng = np.random.default_rng(seed)
    n_duplicates = round(DUPLICATE_SHARE * n_rows)
    n_base = n_rows - n_duplicates
    n_hot = max(1, round(HOT_SHARE_OF_POSITIVES * positive_rate * n_base))
    n_cold = round(COLD_SHARE * n_base)
    train_customer = np.concatenate(
        [np.zeros(n_hot, int), np.ones(n_cold, int), _customer_rows(rng, n_base - n_hot - n_cold, first=2)]
    )
    n_train_customers = max(2, train_customer.max() + 1)  # the whales exist even if tiny
    n_seen = round(TEST_SEEN_SHARE * n_test)
    test_customer = np.concatenate(
        [_customer_rows(rng, n_test - n_seen, first=n_train_customers), rng.choice(train_customer, n_seen)]
    )
    customers = _customers(rng, n_train_customers + n_test - n_seen, n_train_customers)
    leads = _leads(rng, customers.iloc[np.concatenate([train_customer, test_customer])])

    order = rng.permutation(np.concatenate([np.arange(n_base), rng.choice(n_base, n_duplicates)]))
    train = leads.iloc[order].reset_index(drop=True)
    n_positive = max(1, round(positive_rate * n_rows))
    threshold = np.sort(train["latent"].to_numpy())[-n_positive]
    train[LABEL] = train["latent"] >= threshold

    test = leads.iloc[n_base:].sample(frac=1.0, random_state=rng).reset_index(drop=True)
    hidden_labels = (test["latent"] >= threshold).to_numpy()
    test[ID] = rng.choice(max(4 * n_test, 1), n_test, replace=False) + 1
    test[LABEL] = np.nan
    return _typed(train[TRAIN_COLUMNS]), _typed(test[TEST_COLUMNS]), hidden_labels


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns become pandas' string dtype where it has one (as read_csv gives)."""
    ids = ["customer_idx", "lead_owner"] + ([ID] if ID in frame else [])
    return frame.infer_objects().astype({c: "int64" for c in ids})


def make_synthetic(
    n_rows: int = 3000, n_test: int = 600, seed: int = 0, positive_rate: float = 0.08
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (train, test) DataFrames laid out exactly like the competition files."""
    train, test, _ = _generate(n_rows, n_test, seed, positive_rate)
    return train, test


def labelled_test(n_rows: int = 3000, n_test: int = 600, seed: int = 0, positive_rate: float = 0.08) -> pd.DataFrame:
    """The test file with its hidden labels filled in (mostly unseen customers, more conversions):
    what tests of label-shift estimates need and the competition never gives."""
    _, test, hidden = _generate(n_rows, n_test, seed, positive_rate)
    return test.assign(**{LABEL: hidden})


def write_synthetic(directory, **kwargs) -> None:
    """Write train.csv and submission.csv into directory (created if needed), laid out as the
    competition's files. kwargs go to make_synthetic."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    train, test = make_synthetic(**kwargs)
    # The competition writes these complete counts without a decimal point.
    whole = {c: "int64" for c in ["lead_desc_length", "ver_cus", "ver_pro"]}
    train.astype(whole).to_csv(directory / "train.csv", index=False)
    test.astype(whole).to_csv(directory / "submission.csv", index=False)
