"""Reference data shared by the generator and the gold dimensions: merchant categories, card types, states."""

from __future__ import annotations

from typing import NamedTuple


class MerchantCategory(NamedTuple):
    """One merchant category: its name, spending group and the flags the segment rules read."""

    key: int
    name: str
    group: str
    is_travel: bool
    is_necessity: bool


_GROUPS: dict[str, list[str]] = {
    "travel": [
        "Airlines", "Hotels", "Car Rental", "Cruise Lines", "Travel Agencies",
        "Rail & Bus", "Vacation Rentals", "Airport Services",
    ],
    "necessities": [
        "Grocery Stores", "Gas Stations", "Pharmacies", "Utilities", "Telecom",
        "Insurance", "Healthcare", "Public Transit", "Childcare", "Home Repair",
    ],
    "dining": ["Restaurants", "Fast Food", "Coffee Shops", "Bars & Pubs", "Food Delivery", "Bakeries"],
    "entertainment": [
        "Movies & Theaters", "Streaming Services", "Concerts & Events", "Sporting Events",
        "Gaming", "Amusement Parks", "Fitness Clubs",
    ],
    "retail": [
        "Department Stores", "Clothing", "Electronics", "Home Furnishings", "Sporting Goods",
        "Books & Media", "Jewelry", "Online Marketplaces", "Pet Supplies", "Office Supplies",
    ],
    "services": ["Education", "Professional Services", "Personal Care", "Automotive Services", "Charity & Donations", "Government Services", "Financial Services", "Laundry & Cleaning", "Parking"],
}

MERCHANT_CATEGORIES: tuple[MerchantCategory, ...] = tuple(
    MerchantCategory(
        key=index + 1,
        name=name,
        group=group,
        is_travel=group == "travel",
        is_necessity=group == "necessities",
    )
    for index, (group, name) in enumerate(
        (group, name) for group, names in _GROUPS.items() for name in names
    )
)
assert len(MERCHANT_CATEGORIES) == 50, len(MERCHANT_CATEGORIES)
assert len({c.name for c in MERCHANT_CATEGORIES}) == 50

CATEGORY_BY_NAME: dict[str, MerchantCategory] = {c.name: c for c in MERCHANT_CATEGORIES}

CARD_TYPES: tuple[str, ...] = ("Standard", "Gold", "Premium", "Platinum")
PREMIUM_CARD_TYPES: tuple[str, ...] = ("Premium", "Platinum")
CHANNELS: tuple[str, ...] = ("Online", "In-Store", "Mobile")
STATUSES: tuple[str, ...] = ("approved", "declined")
EMPLOYMENT_STATUSES: tuple[str, ...] = ("Employed", "Self-Employed", "Retired", "Student", "Unemployed")
SEGMENTS: tuple[str, ...] = (
    "High-Value Travelers",
    "Declining",
    "New & Growing",
    "Budget-Conscious",
    "Stable Mid-Spenders",
)
RISK_CATEGORIES: tuple[str, ...] = ("Low Risk", "Medium Risk", "High Risk")

US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri",
    "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio",
    "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "DC": "District of Columbia",
}
