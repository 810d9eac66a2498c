"""The competition's columns and their types: the one contract every module reads."""

LABEL = "is_converted"
ID = "id"
GROUP = "customer_idx"  # customer company id: the unit that must not leak across folds

NUMBER, CATEGORY = "number", "category"

# Every feature column in the order of the competition's train.csv header, with its kind.
# Integer-looking ids (customer_idx, lead_owner) are categories, not quantities.
COLUMN_KINDS = {
    "bant_submit": NUMBER,
    "customer_country": CATEGORY,
    "business_unit": CATEGORY,
    "com_reg_ver_win_rate": NUMBER,
    "customer_idx": CATEGORY,
    "customer_type": CATEGORY,
    "enterprise": CATEGORY,
    "historical_existing_cnt": NUMBER,
    "id_strategic_ver": NUMBER,
    "it_strategic_ver": NUMBER,
    "idit_strategic_ver": NUMBER,
    "customer_job": CATEGORY,
    "lead_desc_length": NUMBER,
    "inquiry_type": CATEGORY,
    "product_category": CATEGORY,
    "product_subcategory": CATEGORY,
    "product_modelname": CATEGORY,
    "customer_country.1": CATEGORY,
    "customer_position": CATEGORY,
    "response_corporate": CATEGORY,
    "expected_timeline": CATEGORY,
    "ver_cus": NUMBER,
    "ver_pro": NUMBER,
    "ver_win_rate_x": NUMBER,
    "ver_win_ratio_per_bu": NUMBER,
    "business_area": CATEGORY,
    "business_subarea": CATEGORY,
    "lead_owner": CATEGORY,
}

FEATURES = list(COLUMN_KINDS)
NUMERIC = [column for column, kind in COLUMN_KINDS.items() if kind == NUMBER]
CATEGORICAL = [column for column, kind in COLUMN_KINDS.items() if kind == CATEGORY]

TRAIN_COLUMNS = FEATURES + [LABEL]
TEST_COLUMNS = [ID] + FEATURES + [LABEL]
