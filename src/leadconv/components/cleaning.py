"""Domain cleaning for the messy free-text columns.

Every function maps a pandas Series to a Series of the same index: missing stays
missing (NaN), and empty, odd or unseen values never raise. Group functions send
anything their rules do not recognise to OTHER.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

import pandas as pd

from leadconv.components.geography import parse_country
from leadconv.components.spelling import OTHER, map_values, merge_synonyms, normalise_text, per_distinct


def _group_by_rules(s: pd.Series, rules: list[tuple[str, str]]) -> pd.Series:
    """First rule whose regex matches the merged text names the group; else OTHER."""
    compiled = [(group, re.compile(pattern)) for group, pattern in rules]

    def first_group(value: str) -> str:
        return next((group for group, regex in compiled if regex.search(value)), OTHER)

    return map_values(merge_synonyms(s), first_group)


# --- customer_type ---------------------------------------------------------

CUSTOMER_TYPE_RULES = [
    ("end customer", r"end customer|homeowner|corporate"),
    ("specifier influencer", r"specifier|influencer|consultant|architect|designer|engineer"),
    ("service partner", r"service partner"),
    ("solution eco partner", r"eco partner"),
    ("channel partner", r"channel partner|distributor|dealer|reseller|retailer"),
    ("installer contractor", r"installer|contractor|integrator|technician"),
    ("software solution provider", r"software|solution provider"),
]


def customer_type_group(s: pd.Series) -> pd.Series:
    return _group_by_rules(s, CUSTOMER_TYPE_RULES)


# --- customer_position -----------------------------------------------------

# Education before seniority: 'associate professor' is faculty, not an associate.
CUSTOMER_POSITION_RULES = [
    ("none", r"^(?:none|not applicable|n/?a)$"),
    (
        "education",
        r"teach|professor|\bprof\b|\basst prof|lecturer|faculty|educat|academic|\bdean\b"
        r"|trainer|tutor|\bpgt\b|\btgt\b|instructor|coach|school|college",
    ),
    (
        "c level",
        r"\bc ?level|\bceo\b|\bcto\b|\bcfo\b|\bcoo\b|\bcio\b|founder|fundador|chief|president"
        r"|\bvp\b|owner|propriet|big boss|genel müdür|leadership",
    ),
    ("director", r"director|\bhead\b"),
    ("manager", r"manag|gerente|supervisor|lider|leader|\blead\b"),
    ("entry level", r"entry ?level|associate|analyst|trainee|\bintern\b|employee|unpaid|staff|assistant"),
    ("partner", r"partner"),
    ("end user", r"end customer|homeowner|customer|consume"),
]


def customer_position_group(s: pd.Series) -> pd.Series:
    return _group_by_rules(s, CUSTOMER_POSITION_RULES)


# --- customer_job ----------------------------------------------------------

# Order matters: domain words win over seniority words ('it director' is IT,
# 'director of engineering' is engineering), and the forms' German, Italian,
# Spanish and Hungarian labels sit next to their English group.
CUSTOMER_JOB_RULES = [
    (
        "healthcare",
        r"medic|clinic|radiolog|surg|chirurg|cirug|patholog|health|doctor|hospital"
        r"|imaging|imagerie|pacs|tierarzt",
    ),
    ("education", r"educat|teach|school|academ|instructor|\bk12\b|college|universit"),
    (
        "it",
        r"information technology|\bit\b|computing|software|network|systems? admin|help ?desk"
        r"|informatic|cloud|application development|enterprise resource",
    ),
    ("purchasing", r"purchas|procur|buyer|sourcing|bidder|requisition|ordering|purchsing"),
    (
        "sales",
        r"sales|vertrieb|vendite|értékesítés|reseller|revendedor|distribu|dealer|retail"
        r"|seller|\baccount (?:exec|manag)",
    ),
    ("marketing", r"marketing|advertis|promotion"),
    ("business development", r"business development"),
    ("project management", r"project|program|projekt|proyecto|\bpm\b"),
    ("product management", r"product management|product owner"),
    ("research", r"research"),
    ("engineering", r"engineer|engg|technical|\btech\b|techni|quality assurance|\bqa\b"),
    (
        "arts and design",
        r"\barts?\b|\barte\b|design|kreation|művészet|graphic|vfx|film|architect"
        r"|curation|creative|producer",
    ),
    ("media and communication", r"media|medien|média|medios|communica|kommunikation|comunica|broadcast"),
    ("operations", r"operation|operacion|üzemeltetés|facilit|maintenance|logistic|\bops\b"),
    ("administrative", r"admin|amministra|secretary|assistant|\boffice\b|correspondence"),
    ("finance", r"financ|finanz|pénzügy|accounting|accounts|banking|investment"),
    ("consulting", r"consult|advisor"),
    ("legal", r"legal|\blaw\b"),
    ("human resources", r"human resources|\bhr\b"),
    ("real estate", r"real estate|property"),
    ("community and social services", r"community|social"),
    ("military and protective services", r"military|protective"),
    ("entrepreneurship", r"entrepreneur|owner|founder|\bceo\b|propriet"),
    (
        "management",
        r"manag|director|\bgm\b|executive|president|\bhead\b|\blead(?:er)?\b|chief|\bcoo\b"
        r"|\bvp\b|supervisor|boss|principal|\bc level",
    ),
    ("support", r"support|service"),
]


def customer_job_group(s: pd.Series) -> pd.Series:
    return _group_by_rules(s, CUSTOMER_JOB_RULES)


# --- inquiry_type ----------------------------------------------------------

INQUIRY_TYPE_RULES = [
    ("quotation or purchase", r"quot|purchase|pric|precio|cotiz|giá|\bbuy"),
    ("sales inquiry", r"sales"),
    ("technical or usage", r"technical|usage|support"),
    ("product information", r"product information|\binfo|details|thong tin"),
    ("partnership", r"partnership|distributor|\boem\b|\bodm\b"),
    ("demo", r"\bdemo\b"),
    ("training", r"training"),
    ("services", r"service"),
]


def inquiry_type_group(s: pd.Series) -> pd.Series:
    return _group_by_rules(s, INQUIRY_TYPE_RULES)


# --- expected_timeline -----------------------------------------------------

# Only the form's five answers count; sales notes ('being followed up') are OTHER.
# 'less than 6 months' (an older form's answer) is binned by its upper bound.
EXPECTED_TIMELINE_RULES = [
    ("less than 3 months", r"less th[ae]n [1-3] months?"),
    ("3 to 6 months", r"3 months ~ 6 months|less th[ae]n [4-6] months?"),
    ("6 to 9 months", r"6 months ~ 9 months"),
    ("9 to 12 months", r"9 months ~ 1 year"),
    ("more than a year", r"more than a year"),
]


def expected_timeline_group(s: pd.Series) -> pd.Series:
    return _group_by_rules(s, EXPECTED_TIMELINE_RULES)


# --- product_category ------------------------------------------------------

# Specific product lines before the generic words they contain ('oled signage'
# before 'signage', 'ar condicionado residencial' before air conditioning);
# regional-language labels sit with their English group.
PRODUCT_CATEGORY_RULES = [
    ("multiple", r","),  # a comma-separated list of several categories
    ("interactive digital board", r"interactive digital board|\bidb\b|create ?board|互動式"),
    ("one quick", r"one ?:? ?quick|\baio\b"),
    ("hospital tv", r"hospital tv|醫院電視"),
    ("hotel tv", r"hotel|pro ?:? ?centric|hospitality|\bhtv\b|酒店電視"),
    ("medical display", r"medical|radiology|surgical|diagnostic"),
    ("video wall", r"video ?wall|videwall"),
    ("oled signage", r"oled"),
    ("led signage", r"\bled|leadallin|magnit"),
    ("interactive signage", r"interactive signage"),
    ("high brightness signage", r"high brightness|高亮度|window facing"),
    ("special signage", r"special signage|特別|ultra stretch"),
    ("standard signage", r"standard|標準"),
    ("software solution", r"software|軟體|signage care|webos"),
    ("vrf", r"vrf|multi v|\bdrv\b|réfrigérant variable|التدفق"),
    ("multi split", r"multi ?split|multi inverter|פיצול מרובה|trung tâm multi"),
    ("single split", r"single ?split|split tunggal|single cac"),
    ("ceiling or cassette", r"teto ou cassete"),
    (
        "residential air conditioner",
        r"\brac\b|residencial|residential|résidentiel|מזגנים|gia dụng"
        r"|ที่อยู่อาศัย|ac rumah|air solution|reversible ac",
    ),
    ("chiller", r"chiller|مبرد|soğutucu|enfriadora"),
    ("heating", r"heating|heater|ogrzewanie|[iı]sıtma|calefacción|aquecimento|חימום|التدفئة"),
    ("ventilation", r"ventilation|\bahu\b"),
    ("control", r"^control"),
    ("air conditioning", r"system ac|air conditioner|تكييف|điều hòa|klimatyzacja|condicionado|\bcac\b"),
    ("monitor", r"monitor|monior"),
    ("signage", r"signage|display|顯示屏|\bur640"),
    ("commercial tv", r"\btv\b|\bctv\b"),
    ("pc", r"\bpc\b|laptop|notebook|cloud device|thin client"),
    ("projector", r"projector|probeam"),
    ("accessories", r"accessor|\bparts\b"),
    ("solar and ess", r"solar|\bess\b|energy storage"),
    ("services", r"service|support|care program"),
]


def product_category_group(s: pd.Series) -> pd.Series:
    return _group_by_rules(s, PRODUCT_CATEGORY_RULES)


# --- product_subcategory / product_modelname -------------------------------

# Spelling variants of one product name: (regex, replacement), applied in order.
PRODUCT_SPELLINGS = [
    (r"^lg ", ""),  # 'LG CreateBoard' == 'Createboard'
    (r"one ?:? ?quick", "one quick"),
    (r"pro ?:? ?centric", "pro centric"),
    (r"create ?board", "createboard"),
    (r"\b(display|monitor)s\b", r"\1"),  # 'All Medical Displays' == 'All Medical Display'
    (r"(?<=\S) series$", ""),  # 'UT640S Series' == 'UT640S'
    # A trailing sales region ('43US660H (MEA)', '(EU Only)') is not another product.
    (r"\s*\((?:na|mea|asia|eu|eu/cis|cis|sca|latam|india|colombia|japan|brazil|[a-z]+ only)\)$", ""),
]


def product_text_group(s: pd.Series, keep: Collection[str] | None = None) -> pd.Series:
    """Normalise a product name and merge its spelling variants.

    Pass `keep` (e.g. the frequent levels of the training data, see
    `frequent_levels`) to send every other level to OTHER.
    """
    text = merge_synonyms(s)
    for pattern, replacement in PRODUCT_SPELLINGS:
        text = text.str.replace(pattern, replacement, regex=True)
    text = text.str.strip()
    text = text.mask(text == "")
    if keep is not None:
        text = text.where(text.isna() | text.isin(list(keep)), OTHER)
    return text


def frequent_levels(s: pd.Series, min_count: int) -> set[str]:
    """Levels seen at least min_count times: fit on training data, pass as `keep`."""
    counts = s.value_counts()
    return set(counts[counts >= min_count].index)


# --- the whole frame -------------------------------------------------------

CLEANERS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "customer_country": parse_country,
    "customer_country.1": parse_country,  # the same address again: '/ City / Country' as '/City/Country'
    "customer_type": customer_type_group,
    "customer_position": customer_position_group,
    "customer_job": customer_job_group,
    "inquiry_type": inquiry_type_group,
    "expected_timeline": expected_timeline_group,
    "product_category": product_category_group,
    "product_subcategory": product_text_group,
    "product_modelname": product_text_group,
    "business_unit": normalise_text,
    "enterprise": normalise_text,
    "response_corporate": normalise_text,
    "business_area": normalise_text,
    "business_subarea": normalise_text,
}


def clean_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of df with every CLEANERS column present cleaned, row by row; the rest untouched."""
    cleaned = df.copy()
    for column, clean in CLEANERS.items():
        if column in cleaned.columns:
            cleaned[column] = clean(cleaned[column])
    return cleaned


def clean_distinct(frame: pd.DataFrame) -> pd.DataFrame:
    """`clean_frame`, computed once per distinct value: the rules are cell-wise and levels are few."""
    return per_distinct(frame, CLEANERS)
