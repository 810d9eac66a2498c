"""The competition's columns and their types: the one contract every module reads."""

LABEL = "is_converted"
ID = "id"
GROUP = "customer_idx"  # customer company id: the unit that must not leak across folds

NUMERIC = [
    "bant_submit",
    "com_reg_ver_win_rate",
    "historical_existing_cnt",
    "id_strategic_ver",
    "it_strategic_ver",
    "idit_strategic_ver",
    "lead_desc_length",
    "ver_cus",
    "ver_pro",
    "ver_win_rate_x",
    "ver_win_ratio_per_bu",
]

# Integer-looking ids (customer_idx, lead_owner) are categories, not quantities.
CATEGORICAL = [
    "customer_country",
    "business_unit",
    "customer_idx",
    "customer_type",
    "enterprise",
    "customer_job",
    "inquiry_type",
    "product_category",
    "product_subcategory",
    "product_modelname",
    "customer_country.1",
    "customer_position",
    "response_corporate",
    "expected_timeline",
    "business_area",
    "business_subarea",
    "lead_owner",
]

# The order of the competition's train.csv header.
FEATURES = [
    "bant_submit",
    "customer_country",
    "business_unit",
    "com_reg_ver_win_rate",
    "customer_idx",
    "customer_type",
    "enterprise",
    "historical_existing_cnt",
    "id_strategic_ver",
    "it_strategic_ver",
    "idit_strategic_ver",
    "customer_job",
    "lead_desc_length",
    "inquiry_type",
    "product_category",
    "product_subcategory",
    "product_modelname",
    "customer_country.1",
    "customer_position",
    "response_corporate",
    "expected_timeline",
    "ver_cus",
    "ver_pro",
    "ver_win_rate_x",
    "ver_win_ratio_per_bu",
    "business_area",
    "business_subarea",
    "lead_owner",
]

TRAIN_COLUMNS = FEATURES + [LABEL]
TEST_COLUMNS = [ID] + FEATURES + [LABEL]

assert sorted(FEATURES) == sorted(NUMERIC + CATEGORICAL)
