"""Reference tables the generator draws from: per-category ticket sizes and channels, spending styles,
state weights, and the seeded Faker name pools (built once per world, sampled with NumPy)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from faker import Faker

from c360_pipeline.catalog import CHANNELS, MERCHANT_CATEGORIES, US_STATES

CATEGORY_NAMES: tuple[str, ...] = tuple(c.name for c in MERCHANT_CATEGORIES)
N_CATEGORIES = len(CATEGORY_NAMES)
GROUPS: tuple[str, ...] = ("travel", "necessities", "dining", "entertainment", "retail", "services")
CATEGORY_GROUP = np.array([GROUPS.index(c.group) for c in MERCHANT_CATEGORIES], dtype=np.int8)
IS_TRAVEL = np.array([c.is_travel for c in MERCHANT_CATEGORIES])
IS_NECESSITY = np.array([c.is_necessity for c in MERCHANT_CATEGORIES])

# name: (mean ticket in dollars, relative popularity inside its group). Big tickets are kept moderate:
# a few huge purchases would make a steady customer's 90-day spend swing by more than 30%.
_CATEGORY_PROFILE: dict[str, tuple[float, float]] = {
    "Airlines": (420, 3.0), "Hotels": (330, 3.0), "Car Rental": (230, 1.5), "Cruise Lines": (1000, 0.15),
    "Travel Agencies": (480, 0.8), "Rail & Bus": (70, 1.5), "Vacation Rentals": (560, 0.6), "Airport Services": (35, 2.0),
    "Grocery Stores": (85, 6.0), "Gas Stations": (48, 4.0), "Pharmacies": (35, 2.0), "Utilities": (140, 1.2),
    "Telecom": (95, 1.0), "Insurance": (160, 0.6), "Healthcare": (120, 0.8), "Public Transit": (15, 1.5),
    "Childcare": (300, 0.3), "Home Repair": (190, 0.4),
    "Restaurants": (55, 3.0), "Fast Food": (14, 3.0), "Coffee Shops": (7, 3.0), "Bars & Pubs": (38, 1.0),
    "Food Delivery": (32, 1.5), "Bakeries": (12, 0.8),
    "Movies & Theaters": (30, 1.0), "Streaming Services": (15, 2.0), "Concerts & Events": (110, 0.4),
    "Sporting Events": (120, 0.3), "Gaming": (40, 1.0), "Amusement Parks": (100, 0.2), "Fitness Clubs": (55, 1.0),
    "Department Stores": (100, 1.5), "Clothing": (75, 1.5), "Electronics": (230, 0.6), "Home Furnishings": (210, 0.4),
    "Sporting Goods": (85, 0.5), "Books & Media": (25, 1.0), "Jewelry": (320, 0.12), "Online Marketplaces": (60, 3.0),
    "Pet Supplies": (45, 1.0), "Office Supplies": (40, 0.5),
    "Education": (300, 0.15), "Professional Services": (220, 0.3), "Personal Care": (45, 1.2),
    "Automotive Services": (170, 0.6), "Charity & Donations": (60, 0.5), "Government Services": (90, 0.3),
    "Financial Services": (40, 0.5), "Laundry & Cleaning": (20, 0.8), "Parking": (12, 1.5),
}
assert set(_CATEGORY_PROFILE) == set(CATEGORY_NAMES), "every catalog category needs a ticket profile"

MEAN_TICKET = np.array([_CATEGORY_PROFILE[n][0] for n in CATEGORY_NAMES], dtype=np.float64)
_POPULARITY = np.array([_CATEGORY_PROFILE[n][1] for n in CATEGORY_NAMES], dtype=np.float64)
# lognormal sigma of one ticket around the customer's mean for that category, by group
TICKET_SIGMA = np.array([0.4, 0.35, 0.35, 0.35, 0.4, 0.4], dtype=np.float64)[CATEGORY_GROUP]

# Recurring monthly bills: fixed amount, fixed day of the month, one merchant. Probability that a customer
# pays each of them by card, and the share of it in the customer's bills (before individual variation).
RECURRING: tuple[str, ...] = ("Utilities", "Telecom", "Insurance", "Streaming Services", "Fitness Clubs", "Childcare")
RECURRING_CATEGORY = np.array([CATEGORY_NAMES.index(n) for n in RECURRING])
RECURRING_PROBABILITY = np.array([0.80, 0.85, 0.60, 0.70, 0.35, 0.12])
RECURRING_WEIGHT = np.array([140.0, 95.0, 160.0, 15.0, 55.0, 300.0])
MAX_BILLS = len(RECURRING)
# share of a customer's monthly spend that goes to recurring bills, by style (travel, mid, budget)
RECURRING_SHARE = np.array([0.25, 0.45, 0.50])
# one-off purchases in a recurring category are rarer than in the plain category mix
RECURRING_ONE_OFF = 0.15

# Spending styles: the hidden behaviour behind the archetypes.
STYLE_TRAVEL, STYLE_MID, STYLE_BUDGET = 0, 1, 2
# share of transactions per group (travel, necessities, dining, entertainment, retail, services)
_STYLE_GROUP_SHARE = np.array(
    [
        [0.24, 0.26, 0.22, 0.08, 0.13, 0.07],
        [0.015, 0.42, 0.26, 0.10, 0.14, 0.065],
        [0.005, 0.70, 0.14, 0.05, 0.08, 0.025],
    ]
)


def style_category_weights() -> np.ndarray:
    """(3 styles x 50 categories) share of transactions: group share split by popularity inside the group."""
    weights = np.zeros((3, N_CATEGORIES))
    for group in range(len(GROUPS)):
        members = CATEGORY_GROUP == group
        weights[:, members] = _STYLE_GROUP_SHARE[:, [group]] * (_POPULARITY[members] / _POPULARITY[members].sum())
    weights[:, RECURRING_CATEGORY] *= RECURRING_ONE_OFF
    return weights / weights.sum(axis=1, keepdims=True)


# channel probabilities (Online, In-Store, Mobile) by group, with a few category overrides
_GROUP_CHANNEL = np.array(
    [[0.55, 0.15, 0.30], [0.12, 0.70, 0.18], [0.05, 0.75, 0.20], [0.40, 0.40, 0.20], [0.35, 0.45, 0.20], [0.35, 0.45, 0.20]]
)
_CHANNEL_OVERRIDE = {
    "Streaming Services": (0.60, 0.0, 0.40), "Online Marketplaces": (0.60, 0.0, 0.40), "Food Delivery": (0.35, 0.0, 0.65),
    "Utilities": (0.70, 0.05, 0.25), "Telecom": (0.65, 0.10, 0.25), "Insurance": (0.75, 0.05, 0.20),
    "Gas Stations": (0.0, 0.92, 0.08), "Public Transit": (0.05, 0.55, 0.40), "Parking": (0.05, 0.60, 0.35),
}
CHANNEL_CUMULATIVE = np.cumsum(
    np.array([_CHANNEL_OVERRIDE.get(n, _GROUP_CHANNEL[g]) for n, g in zip(CATEGORY_NAMES, CATEGORY_GROUP)]), axis=1
)
assert len(CHANNELS) == 3

# Share of transactions by hour of day (local time), shaped like card activity: quiet nights, lunch and evening peaks.
_HOUR_WEIGHT = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 3.5, 4.0, 4.5, 5.5, 6.5, 6.0, 5.0, 4.8, 5.0, 5.8, 6.5, 6.0, 5.0, 3.8, 2.6, 1.6])
HOUR_PROBABILITY = _HOUR_WEIGHT / _HOUR_WEIGHT.sum()
# Mon..Sun activity factors (mean 1)
WEEKDAY_FACTOR = np.array([0.92, 0.95, 0.97, 1.0, 1.12, 1.1, 0.94])
WEEKDAY_FACTOR = WEEKDAY_FACTOR / WEEKDAY_FACTOR.mean()

# Resident population in millions (2020 census, rounded): states are drawn in proportion.
_STATE_POPULATION = {
    "CA": 39.5, "TX": 29.1, "FL": 21.5, "NY": 20.2, "PA": 13.0, "IL": 12.8, "OH": 11.8, "GA": 10.7, "NC": 10.4,
    "MI": 10.1, "NJ": 9.3, "VA": 8.6, "WA": 7.7, "AZ": 7.2, "MA": 7.0, "TN": 6.9, "IN": 6.8, "MD": 6.2, "MO": 6.2,
    "WI": 5.9, "CO": 5.8, "MN": 5.7, "SC": 5.1, "AL": 5.0, "LA": 4.7, "KY": 4.5, "OR": 4.2, "OK": 4.0, "CT": 3.6,
    "UT": 3.3, "IA": 3.2, "NV": 3.1, "AR": 3.0, "MS": 3.0, "KS": 2.9, "NM": 2.1, "NE": 2.0, "ID": 1.8, "WV": 1.8,
    "HI": 1.5, "NH": 1.4, "ME": 1.4, "RI": 1.1, "MT": 1.1, "DE": 1.0, "SD": 0.9, "ND": 0.8, "AK": 0.7, "DC": 0.7,
    "VT": 0.6, "WY": 0.6,
}
assert set(_STATE_POPULATION) == set(US_STATES)
STATE_CODES: tuple[str, ...] = tuple(US_STATES)
STATE_PROBABILITY = np.array([_STATE_POPULATION[s] for s in STATE_CODES]) / sum(_STATE_POPULATION.values())

# credit limit range (dollars) per card type, drawn in steps of 500
CREDIT_LIMIT_RANGE = np.array([[1_000, 8_000], [5_000, 15_000], [10_000, 30_000], [20_000, 50_000]], dtype=np.int64)

EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com", "comcast.net", "proton.me")
EMAIL_DOMAIN_PROBABILITY = np.array([0.36, 0.15, 0.13, 0.10, 0.12, 0.05, 0.05, 0.04])

# words appended to merchant names so a name reads like its category
_MERCHANT_SUFFIX: dict[str, tuple[str, ...]] = {
    "Airlines": ("Airlines", "Air", "Airways"), "Hotels": ("Hotel", "Inn", "Suites", "Resort"),
    "Car Rental": ("Car Rental", "Rent-A-Car", "Auto Rentals"), "Cruise Lines": ("Cruises", "Cruise Line"),
    "Travel Agencies": ("Travel", "Tours", "Getaways"), "Rail & Bus": ("Rail", "Coach Lines", "Transit Express"),
    "Vacation Rentals": ("Vacation Rentals", "Cottages", "Stays"), "Airport Services": ("Airport Lounge", "Air Services"),
    "Grocery Stores": ("Market", "Grocers", "Foods", "Supermarket"), "Gas Stations": ("Gas", "Fuel", "Petroleum"),
    "Pharmacies": ("Pharmacy", "Drugs", "Apothecary"), "Utilities": ("Power & Light", "Water", "Energy"),
    "Telecom": ("Wireless", "Telecom", "Communications"), "Insurance": ("Insurance", "Mutual", "Assurance"),
    "Healthcare": ("Medical Group", "Clinic", "Health"), "Public Transit": ("Transit", "Metro"),
    "Childcare": ("Daycare", "Kids Academy", "Child Care"), "Home Repair": ("Hardware", "Home Repair", "Plumbing"),
    "Restaurants": ("Grill", "Bistro", "Kitchen", "Steakhouse"), "Fast Food": ("Burgers", "Tacos", "Chicken"),
    "Coffee Shops": ("Coffee", "Roasters", "Cafe"), "Bars & Pubs": ("Tavern", "Pub", "Taproom"),
    "Food Delivery": ("Eats", "Delivery", "Dash"), "Bakeries": ("Bakery", "Bakehouse", "Donuts"),
    "Movies & Theaters": ("Cinemas", "Theater", "Playhouse"), "Streaming Services": ("TV", "Stream", "Music"),
    "Concerts & Events": ("Live", "Tickets", "Amphitheater"), "Sporting Events": ("Arena", "Stadium", "Athletics"),
    "Gaming": ("Games", "Gaming", "Arcade"), "Amusement Parks": ("Adventure Park", "Fun Park", "Water Park"),
    "Fitness Clubs": ("Fitness", "Gym", "Yoga"), "Department Stores": ("Department Store", "& Co."),
    "Clothing": ("Apparel", "Outfitters", "Boutique"), "Electronics": ("Electronics", "Tech", "Digital"),
    "Home Furnishings": ("Furniture", "Home", "Interiors"), "Sporting Goods": ("Sports", "Outdoors", "Athletic Supply"),
    "Books & Media": ("Books", "Booksellers", "Media"), "Jewelry": ("Jewelers", "Diamonds", "Fine Jewelry"),
    "Online Marketplaces": ("Online", ".com", "Marketplace"), "Pet Supplies": ("Pet Supply", "Pets", "Animal Care"),
    "Office Supplies": ("Office Supply", "Stationers", "Print & Copy"), "Education": ("College", "Academy", "Learning"),
    "Professional Services": ("Consulting", "Law Group", "Partners"), "Personal Care": ("Salon", "Spa", "Barbers"),
    "Automotive Services": ("Auto Repair", "Tire & Service", "Motors"), "Charity & Donations": ("Foundation", "Relief Fund", "Charities"),
    "Government Services": ("County Clerk", "DMV", "City Services"), "Financial Services": ("Financial", "Capital", "Investments"),
    "Laundry & Cleaning": ("Cleaners", "Laundromat", "Dry Cleaning"), "Parking": ("Parking", "Park & Ride", "Garage"),
}
assert set(_MERCHANT_SUFFIX) == set(CATEGORY_NAMES)
MERCHANTS_PER_CATEGORY = 20


@dataclass(frozen=True)
class NamePools:
    """Seeded Faker output, drawn once per world: sampling pools, kept with Faker's frequency weighting."""

    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    cities: tuple[str, ...]
    work_domains: tuple[str, ...]
    merchants: tuple[str, ...]  # MERCHANTS_PER_CATEGORY per category, in catalog order


FAKER_SEED = 360


@lru_cache(maxsize=1)
def name_pools() -> NamePools:
    """Names, cities, company domains and merchant names from a Faker instance with a fixed seed: one
    universe of names and merchants shared by every world (each world samples it with its own seed)."""
    fake = Faker("en_US")
    fake.seed_instance(FAKER_SEED)
    seed = FAKER_SEED
    first_names = tuple(fake.first_name() for _ in range(1500))
    last_names = tuple(fake.last_name() for _ in range(1500))
    cities = tuple(fake.city() for _ in range(800))
    work_domains = tuple(fake.domain_name() for _ in range(100))
    choice = np.random.default_rng([seed, 901])
    merchants: list[str] = []
    for name in CATEGORY_NAMES:
        suffixes = _MERCHANT_SUFFIX[name]
        seen: set[str] = set()
        while len(seen) < MERCHANTS_PER_CATEGORY:
            kind = choice.random()
            suffix = suffixes[int(choice.integers(len(suffixes)))]
            if kind < 0.4:
                merchant = f"{fake.city()} {suffix}"
            elif kind < 0.8:
                merchant = f"{fake.last_name()} {suffix}"
            else:
                merchant = fake.company()
            if merchant not in seen:
                seen.add(merchant)
                merchants.append(merchant)
    return NamePools(first_names, last_names, cities, work_domains, tuple(merchants))
