"""The tables behind the synthetic leads (leadconv.components.synthetic): invented levels, their
shares and their effect on conversion, in the competition's messy spellings. Nothing here is read
from the competition files."""

# country -> (LG subsidiary answering its leads, cities); the trailing space is real mess
COUNTRIES = {
    "India": ("LGEIL", ["Kolkata ", "Mumbai", "Hyderabad", "Bangalore", "Pune"], 30),
    "Brazil": ("LGESP", ["São Paulo", "Rio de Janeiro", "Curitiba"], 14),
    "United States": ("LGEUS", ["Johnson City", "Chicago", "Austin"], 9),
    "Philippines": ("LGEPH", ["Quezon City", "Manila", "Cebu"], 5),
    "Mexico": ("LGEMS", ["Monterrey", "Guadalajara"], 5),
    "U.A.E": ("LGEGF", ["Dubai", "Abu Dhabi"], 4),
    "Colombia": ("LGECB", ["Bogota", "Medellin"], 3),
    "United Kingdom": ("LGEUK", ["London", "Leeds"], 3),
    "Saudi Arabia": ("LGESJ", ["Riyadh", "Jeddah"], 3),
    "Chile": ("LGECL", ["Santiago"], 2),
    "Panama": ("LGEPS", ["Panama City"], 2),
    "Italy": ("LGEIS", ["Milan", "Rome"], 2),
    "Peru": ("LGEPR", ["Lima"], 2),
    "Germany": ("LGEDG", ["Berlin", "Munich"], 2),
    "Poland": ("LGEPL", ["Warsaw"], 1.5),
    "Egypt": ("LGEEG", ["Cairo"], 1.5),
    "Vietnam": ("LGEVH", ["Hanoi"], 1),
    "Spain": ("LGEES", ["Madrid"], 1),
}
PLACES = [
    (country, city, corp, weight / len(cities))
    for country, (corp, cities, weight) in COUNTRIES.items()
    for city in cities
]

# value -> (weight, effect on the log-odds of conversion); a missing value has effect 0
CUSTOMER_TYPES = {
    "End-Customer": (45, 1.5),
    "End Customer": (27, 2.0),
    "Specifier/ Influencer": (16, 0.5),
    "Channel Partner": (9, 1.5),
    "Service Partner": (2, 1.5),
    "Solution Eco-Partner": (1, 1.0),
    "Specifier / Influencer": (0.4, 0.5),
    "End-user": (0.3, 1.0),
    "others": (0.2, 0.5),
    "etc.": (0.2, 0.5),
}
BUSINESS_UNITS = {"AS": (43, 0.0), "ID": (43, 0.8), "IT": (14, 0.5), "Solution": (0.5, -1.5)}
ENTERPRISES = {"Enterprise": (65, 0.0), "SMB": (35, 0.7)}
BANT_LEVELS = {0.0: 1, 0.25: 22, 0.5: 29, 0.75: 20, 1.0: 28}
PRODUCTS_BY_UNIT = {
    "AS": ["vrf", "multi-split", "single-split", "rac", "chiller", "heating", "etc."],
    "ID": [
        "interactive digital board",
        "video wall signage",
        "led signage",
        "oled signage",
        "hotel tv",
        "standard signage",
        "etc.",
    ],
    "IT": ["monitor", "medical display", "one:quick series", "etc."],
    "Solution": ["software solution", "etc."],
}
# The lists below are drawn with Zipf weights: the first entries are the common ones.
CUSTOMER_JOBS = [
    "engineering",
    "other",
    "administrative",
    "education",
    "sales",
    "operations",
    "purchasing",
    "information technology",
    "business development",
    "consulting",
    "marketing",
    "entrepreneurship",
    "others",
    "finance",
]
POSITIONS = [
    "none",
    "manager",
    "ceo/founder",
    "other",
    "director",
    "associate/analyst",
    "partner",
    "entry level",
    "others",
    "c-level executive",
    "trainee",
    "intern",
]
INQUIRY_TYPES = [
    "Quotation or purchase consultation",
    "Quotation or Purchase Consultation",
    "Sales Inquiry",
    "Product Information",
    "Other",
    "Usage or technical consultation",
    "Usage or Technical Consultation",
    "usage or technical consultation",
    "Request for Partnership",
    "Request a Demo",
    "Trainings",
    "ETC.",
    "other",
]
TIMELINES = [
    "less than 3 months",
    "3 months ~ 6 months",
    "more than a year",
    "9 months ~ 1 year",
    "6 months ~ 9 months",
    "less than 6 months",
    "etc.",
    "less_than_3_months",
    "3_months_~_6_months",
    "being followed up",
    "no requirement",
]
BUSINESS_AREAS = [
    "corporate / office",
    "retail",
    "hotel & accommodation",
    "special purpose",
    "residential (home)",
    "education",
    "hospital & health care",
    "factory",
    "government department",
    "public facility",
    "transportation",
    "power plant / renewable energy",
]
BUSINESS_SUBAREAS = [
    "Others",
    "Other Stores",
    "Hospital",
    "Construction",
    "Engineering",
    "Apartment",
    "IT/Software",
    "Advertising",
    "Clinic",
    "Shopping Mall",
]
STREETS = ["Main St", "Market Rd", "Station Road", "Industrial Ave"]
