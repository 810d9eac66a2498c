"""Geography of a lead: the customer's country parsed out of a free-text address, and the continent
of the LG subsidiary (response_corporate) that answers it."""

from __future__ import annotations

import pandas as pd

from leadconv.components.spelling import normalise_text

# Dots are dropped before lookup, so 'u.a.e' arrives as 'uae' and 'ee. uu.' as 'ee uu'.
COUNTRY_ALIASES: dict[str, str] = {
    "uae": "uae",
    "united arab emirates": "uae",
    "uae dubai": "uae",
    "dubai": "uae",
    "us": "united states",
    "usa": "united states",
    "united states of america": "united states",
    "ee uu": "united states",
    "estados unidos": "united states",
    "uk": "united kingdom",
    "great britain": "united kingdom",
    "england": "united kingdom",
    "türkiye": "turkey",
    "turkiye": "turkey",
    "viet nam": "vietnam",
    "czech republic": "czech",
    "czechia": "czech",
    "korea": "south korea",
    "republic of korea": "south korea",
    "united republic of tanzania": "tanzania",
    "ivory coast": "cote d'ivoire",
    "côte d'ivoire": "cote d'ivoire",
    "ksa": "saudi arabia",
}

# US street addresses end in a state code and ZIP or in 'united states' / 'usa'.
_US_ADDRESS = r"\b[a-z]{2},? \d{5}(?: ?\d{4})?$|\b(?:united states|usa)\b"


def parse_country(s: pd.Series) -> pd.Series:
    """'/Kolkata /India' -> 'india': the last non-empty '/' part, normalised, aliased."""
    last_part = (
        s.astype("str")
        .str.replace(r"[/\s]+$", "", regex=True)  # 'Brazil/ ' ends in an empty part
        .str.replace(r"^.*/", "", regex=True)
    )
    country = normalise_text(last_part).str.replace(".", "", regex=False).str.strip()
    country = country.mask(country == "").replace(COUNTRY_ALIASES)
    return country.mask(country.str.contains(_US_ADDRESS, regex=True, na=False), "united states")


# The LG subsidiary answering a lead (response_corporate) -> its continent. A code missing here
# (a subsidiary new in the data) becomes "other".
SUBSIDIARY_CONTINENT: dict[str, str] = {
    **dict.fromkeys(["LGEAF", "LGEAS", "LGEEF", "LGEEG", "LGEMC", "LGESA"], "africa"),
    **dict.fromkeys(["LGEAR", "LGECB", "LGECL", "LGEMS", "LGEPR", "LGEPS", "LGESP"], "latin america"),
    **dict.fromkeys(["LGECI", "LGEUS"], "north america"),
    **dict.fromkeys(
        [
            "LGEAG",
            "LGEBN",
            "LGEBT",
            "LGECZ",
            "LGEDG",
            "LGEEB",
            "LGEES",
            "LGEFS",
            "LGEHS",
            "LGEIS",
            "LGELA",
            "LGEMK",
            "LGEPL",
            "LGEPT",
            "LGERA",
            "LGERO",
            "LGESW",
            "LGEUK",
            "LGEUR",
        ],
        "europe",
    ),
    **dict.fromkeys(["LGEGF", "LGELF", "LGESJ", "LGETK", "LGEYK"], "middle east"),
    **dict.fromkeys(
        ["LGECH", "LGEHK", "LGEIL", "LGEIN", "LGEJP", "LGEKR", "LGEML", "LGEPH", "LGESL", "LGETH", "LGETT", "LGEVH"],
        "asia",
    ),
    "LGEAP": "oceania",
}
