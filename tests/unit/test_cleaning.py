import math

import numpy as np
import pandas as pd
import pytest

from leadconv import schema
from leadconv.components.cleaning import (
    CLEANERS,
    OTHER,
    clean_frame,
    customer_job_group,
    customer_position_group,
    customer_type_group,
    expected_timeline_group,
    frequent_levels,
    inquiry_type_group,
    parse_country,
    product_category_group,
    product_text_group,
)
from leadconv.components.spelling import merge_synonyms, normalise_text
from leadconv.components.synthetic import make_synthetic

MISSING_LIKE = [np.nan, None, "", "   ", "\t", "//"]


def one(fn, value):
    """Apply a Series function to a single value and return the single result."""
    return fn(pd.Series([value], dtype="str")).iloc[0]


def is_missing(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("End-Customer", "end customer"),
        ("End Customer", "end customer"),
        ("end_customer", "end customer"),
        ("  END   customer ", "end customer"),
        ("Specifier/ Influencer", "specifier/influencer"),
        ("Specifier / Influencer", "specifier/influencer"),
        ("3_months_~_6_months", "3 months ~ 6 months"),
        ("Etc.", "etc"),
        ("other_", "other"),
        ("Diagnostic Monitors\u200b", "diagnostic monitors"),
        ("Open Frame\xa0", "open frame"),
        ("Some Unseen Value", "some unseen value"),
    ],
)
def test_normalise_text(raw, expected):
    assert one(normalise_text, raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("End-Customer", "end customer"),
        ("End-user", "end customer"),
        ("End User", "end customer"),
        ("Others", OTHER),
        ("etc.", OTHER),
        ("ETC", OTHER),
        ("other(s)", OTHER),
        ("Otros", OTHER),
        ("Specifier/ Influencer", "specifier influencer"),
        ("Specifier / Influencer", "specifier influencer"),
        ("vicepresident", "vice president"),
        ("brand new thing", "brand new thing"),
    ],
)
def test_merge_synonyms_default_table(raw, expected):
    assert one(merge_synonyms, raw) == expected


def test_merge_synonyms_custom_table_keys_are_normalised():
    s = pd.Series(["Foo-Bar", "foo bar", "baz", np.nan], dtype="str")
    out = merge_synonyms(s, {"FOO_BAR": "fb"})
    assert out.iloc[:3].tolist() == ["fb", "fb", "baz"]
    assert is_missing(out.iloc[3])


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("/Kolkata /India", "india"),
        ("//India", "india"),
        ("/  / Brazil", "brazil"),
        ("/Quezon City/Philippines", "philippines"),
        ("400 N State Of Franklin Rd  Cloud IT / Johnson City / United States", "united states"),
        ("//U.A.E", "uae"),
        ("//United Arab Emirates", "uae"),
        ("//USA", "united states"),
        ("/ /US", "united states"),
        ("//UK", "united kingdom"),
        ("/Istanbul/Türkiye", "turkey"),
        ("Brazil/ ", "brazil"),
        ("12 Main St, Springfield, IL 62701", "united states"),
        ("/Somewhere/Atlantis", "atlantis"),
    ],
)
def test_parse_country(raw, expected):
    assert one(parse_country, raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("End-Customer", "end customer"),
        ("End Customer", "end customer"),
        ("End-user", "end customer"),
        ("Homeowner", "end customer"),
        ("Specifier/ Influencer", "specifier influencer"),
        ("Specifier / Influencer", "specifier influencer"),
        ("Architect/Consultant", "specifier influencer"),
        ("Channel Partner", "channel partner"),
        ("Dealer/Distributor", "channel partner"),
        ("Service Partner", "service partner"),
        ("Solution Eco-Partner", "solution eco partner"),
        ("Installer/Contractor", "installer contractor"),
        ("Software / Solution Provider", "software solution provider"),
        ("Etc.", OTHER),
        ("Astronaut", OTHER),
    ],
)
def test_customer_type_group(raw, expected):
    assert one(customer_type_group, raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("none", "none"),
        ("ceo/founder", "c level"),
        ("c-level executive", "c level"),
        ("c-levelexecutive", "c level"),
        ("vice president", "c level"),
        ("vicepresident", "c level"),
        ("co-founder", "c level"),
        ("chief executive officer", "c level"),
        ("director", "director"),
        ("business unit director", "director"),
        ("manager", "manager"),
        ("gerente", "manager"),
        ("associate/analyst", "entry level"),
        ("entry level", "entry level"),
        ("entrylevel", "entry level"),
        ("trainee", "entry level"),
        ("intern", "entry level"),
        ("associate professor", "education"),
        ("physics teacher", "education"),
        ("partner", "partner"),
        ("end-user", "end user"),
        ("others", OTHER),
        ("hospital", OTHER),
        ("astronaut", OTHER),
    ],
)
def test_customer_position_group(raw, expected):
    assert one(customer_position_group, raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("engineering", "engineering"),
        ("Engineering & Technical", "engineering"),
        ("chief engineer", "engineering"),
        ("director of engineering", "engineering"),
        ("information technology", "it"),
        ("information_technology", "it"),
        ("IT Director", "it"),
        ("network administrator", "it"),
        ("sales", "sales"),
        ("vertrieb", "sales"),
        ("sales engineering", "sales"),
        ("purchasing", "purchasing"),
        ("procurement", "purchasing"),
        ("buyer", "purchasing"),
        ("operations", "operations"),
        ("operations manager", "operations"),
        ("administrative", "administrative"),
        ("adminisztráció", "administrative"),
        ("education", "education"),
        ("k12 school", "education"),
        ("marketing", "marketing"),
        ("business development", "business development"),
        ("program and project management", "project management"),
        ("programm-_und_projektmanagement", "project management"),
        ("arts and design", "arts and design"),
        ("kreation_und_design", "arts and design"),
        ("graphic/color art", "arts and design"),
        ("media_e_comunicazione", "media and communication"),
        ("radiology professional", "healthcare"),
        ("surgery professional\u200b", "healthcare"),
        ("finanzen", "finance"),
        ("accounting", "finance"),
        ("consulting", "consulting"),
        ("entrepreneurship", "entrepreneurship"),
        ("general manager", "management"),
        ("community and social services", "community and social services"),
        ("others", OTHER),
        ("sonstiges", OTHER),
        ("astronaut", OTHER),
    ],
)
def test_customer_job_group(raw, expected):
    assert one(customer_job_group, raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Quotation or purchase consultation", "quotation or purchase"),
        ("Quotation or Purchase Consultation", "quotation or purchase"),
        ("quotation_or_purchase_consultation", "quotation or purchase"),
        ("Request for quotation or purchase", "quotation or purchase"),
        ("Purchase or Quotation", "quotation or purchase"),
        ("Sales Inquiry", "sales inquiry"),
        ("sales", "sales inquiry"),
        ("Product Information", "product information"),
        ("Usage or technical consultation", "technical or usage"),
        ("usage_or_technical_consultation", "technical or usage"),
        ("Technical Support", "technical or usage"),
        ("Request for Partnership", "partnership"),
        ("Request for Distributorship", "partnership"),
        ("Request a Demo", "demo"),
        ("Trainings", "training"),
        ("Services", "services"),
        ("ETC.", OTHER),
        ("other_", OTHER),
        ("Video Wall", OTHER),
    ],
)
def test_inquiry_type_group(raw, expected):
    assert one(inquiry_type_group, raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("less than 3 months", "less than 3 months"),
        ("less_than_3_months", "less than 3 months"),
        ("less than 3 months- outdoor led", "less than 3 months"),
        ("3 months ~ 6 months", "3 to 6 months"),
        ("3_months_~_6_months", "3 to 6 months"),
        ("less than 6 months", "3 to 6 months"),
        ("less then 6 months", "3 to 6 months"),
        ("6 months ~ 9 months", "6 to 9 months"),
        ("9 months ~ 1 year", "9 to 12 months"),
        ("9_months_~_1_year", "9 to 12 months"),
        ("more than a year", "more than a year"),
        ("more_than_a_year", "more than a year"),
        ("being followed up", OTHER),
        ("etc.", OTHER),
        ("december 2022", OTHER),
    ],
)
def test_expected_timeline_group(raw, expected):
    assert one(expected_timeline_group, raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("interactive digital board", "interactive digital board"),
        ("IDB", "interactive digital board"),
        ("vrf", "vrf"),
        ("all lg vrf systems", "vrf"),
        ("multi v 5 air", "vrf"),
        ("multi-split", "multi split"),
        ("single-split", "single split"),
        ("rac", "residential air conditioner"),
        ("ar condicionado residencial", "residential air conditioner"),
        ("chiller", "chiller"),
        ("heating", "heating"),
        ("ogrzewanie (pompy ciepła)", "heating"),
        ("video wall signage", "video wall"),
        ("videowall_rmk", "video wall"),
        ("oled signage", "oled signage"),
        ("led signage", "led signage"),
        ("lg one:quick series", "one quick"),
        ("onequick series", "one quick"),
        ("hotel tv", "hotel tv"),
        ("pro:centric", "hotel tv"),
        ("hospital tv", "hospital tv"),
        ("medical displays", "medical display"),
        ("monitor", "monitor"),
        ("standard signage", "standard signage"),
        ("high brightness", "high brightness signage"),
        ("vrf,multi-split", "multiple"),
        ("etc.", OTHER),
        ("outros", OTHER),
        ("43us660h0sd.awz", OTHER),
    ],
)
def test_product_category_group(raw, expected):
    assert one(product_category_group, raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("One:Quick Flex", "one quick flex"),
        ("OneQuick Flex", "one quick flex"),
        ("One-Quick Share", "one quick share"),
        ("LG CreateBoard", "createboard"),
        ("Createboard", "createboard"),
        ("All Medical Displays", "all medical display"),
        ("Diagnostic Monitors\u200b", "diagnostic monitor"),
        ("UT640S Series", "ut640s"),
        ("Series", "series"),
        ("43US660H (MEA)", "43us660h"),
        ("32LT340H (Brazil Only)", "32lt340h"),
        ("UltraFine Ergo(32UN880)", "ultrafine ergo(32un880)"),
        ("Stadium Series (Perimeter)", "stadium series (perimeter)"),
        ("55VL5F-A", "55vl5f a"),
        ("Etc.", OTHER),
    ],
)
def test_product_text_group(raw, expected):
    assert one(product_text_group, raw) == expected


def test_product_text_group_keep_sends_rare_levels_to_other():
    train = pd.Series(["28MQ780", "28MQ780", "55TC3D", np.nan], dtype="str")
    keep = frequent_levels(product_text_group(train), min_count=2)
    assert keep == {"28mq780"}
    test = pd.Series(["28mq780", "99ZZ999", np.nan], dtype="str")
    out = product_text_group(test, keep=keep)
    assert out.iloc[:2].tolist() == ["28mq780", OTHER]
    assert is_missing(out.iloc[2])


SERIES_FUNCTIONS = sorted(set(CLEANERS.values()), key=lambda f: f.__name__) + [merge_synonyms]


@pytest.mark.parametrize("fn", SERIES_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("value", MISSING_LIKE, ids=repr)
def test_missing_and_blank_stay_missing(fn, value):
    assert is_missing(one(fn, value))


@pytest.mark.parametrize("fn", SERIES_FUNCTIONS, ids=lambda f: f.__name__)
def test_keeps_index_and_handles_odd_inputs(fn):
    s = pd.Series(["Zyx Unseen", np.nan, "", "???", "ÄÖÜ-ß"], index=[10, 3, 7, 99, -1], name="col")
    out = fn(s)
    assert out.index.equals(s.index)
    assert out.name == "col"
    assert out.iloc[1:3].isna().all()
    assert fn(pd.Series([], dtype="str")).empty
    assert fn(pd.Series([np.nan, np.nan])).isna().all()  # an all-missing column read as float


@pytest.mark.parametrize(
    "fn",
    [
        customer_type_group,
        customer_position_group,
        customer_job_group,
        inquiry_type_group,
        expected_timeline_group,
        product_category_group,
    ],
    ids=lambda f: f.__name__,
)
def test_group_functions_send_unseen_to_other(fn):
    out = fn(pd.Series(["qwerty unseen", "12345", "???"], dtype="str"))
    assert out.tolist() == [OTHER] * 3


def test_clean_frame_cleans_every_text_column():
    """Every free-text column of the competition layout goes through a cleaner, each column through its own
    (the country parsed out of an address, in customer_country.1 too, a customer type grouped, a model name's
    sales region dropped); the numbers and the integer ids stay as given."""
    train, _ = make_synthetic(n_rows=200, n_test=10, seed=0)
    train = train[schema.FEATURES]
    text = [c for c in train.columns if not pd.api.types.is_numeric_dtype(train[c])]
    assert {"customer_country", "customer_country.1", "product_modelname"} <= set(text)
    messy = "  Some_Messy VALUE-Seen  "
    out = clean_frame(train.assign(**dict.fromkeys(text, messy)))
    for column in text:
        expected = {"some messy value seen", OTHER}
        assert set(out[column]) <= expected and len(set(out[column])) == 1, column
    pd.testing.assert_frame_equal(out.drop(columns=text), train.drop(columns=text))
    own_rules = clean_frame(
        pd.DataFrame(
            {
                "customer_country": ["/Kolkata /India"],
                "customer_type": ["End-user"],
                "product_modelname": ["43US660H (MEA)"],
                "customer_country.1": ["/Kolkata /India"],
            }
        )
    )
    assert own_rules.iloc[0].tolist() == ["india", "end customer", "43us660h", "india"]


def test_clean_frame_keeps_rows_and_index_and_does_not_mutate_input():
    df = pd.DataFrame(
        {
            "customer_country": ["/Kolkata /India", "//U.A.E", np.nan],
            "customer_country.1": ["/Kolkata /India", "//U.A.E", np.nan],
            "customer_type": ["End-Customer", np.nan, "Others"],
            "expected_timeline": ["less_than_3_months", "being followed up", ""],
            "lead_desc_length": [10, 20, 30],
        },
        index=[5, 2, 9],
    )
    before = df.copy(deep=True)

    out = clean_frame(df)

    pd.testing.assert_frame_equal(df, before)
    assert out is not df
    assert out.index.equals(df.index)
    assert list(out.columns) == list(df.columns)
    assert out["customer_country"].tolist()[:2] == ["india", "uae"]
    assert out["customer_type"].tolist()[::2] == ["end customer", OTHER]
    assert out["expected_timeline"].tolist()[:2] == ["less than 3 months", OTHER]
    assert out["expected_timeline"].isna().tolist() == [False, False, True]
    pd.testing.assert_series_equal(out["customer_country.1"], out["customer_country"], check_names=False)
    pd.testing.assert_series_equal(out["lead_desc_length"], df["lead_desc_length"])


def test_clean_frame_skips_absent_columns():
    df = pd.DataFrame({"customer_job": ["engineering", "IT"]})
    assert clean_frame(df)["customer_job"].tolist() == ["engineering", "it"]


def test_a_cleaned_value_depends_on_its_own_cell_only():
    """No data dependency: cleaning keeps no statistics of the other rows and no state between calls, so
    clean_frame can run on any batch, before or after the CV split, without leaking labels or levels
    across folds (features.clean_distinct relies on it to clean each distinct value once)."""
    train, test = make_synthetic(n_rows=400, n_test=100, seed=5)
    frame = train[schema.FEATURES]
    whole = clean_frame(frame)
    order = np.random.default_rng(0).permutation(len(frame))
    batches = [order[:1], order[1:3], order[3:60], order[60:]]  # uneven, shuffled, one of a single row
    pd.testing.assert_frame_equal(pd.concat([clean_frame(frame.iloc[b]) for b in batches]).loc[frame.index], whole)
    beside_other_rows = clean_frame(pd.concat([test[schema.FEATURES], frame], keys=["test", "train"]))
    pd.testing.assert_frame_equal(beside_other_rows.loc["train"], whole)
