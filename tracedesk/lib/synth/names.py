"""Word lists: names and streets from Faker's en_GB providers, nicknames, setting names, languages.

Faker is used only as a source of word lists. Calling ``Faker()`` per record costs tens of
microseconds and its output depends on Faker's global seeding; drawing from its tuples with our own
seeded ``random.Random`` is ~50x faster and reproducible record by record.
"""

from __future__ import annotations

from faker.providers.address.en_GB import Provider as _AddressGB
from faker.providers.person.en_GB import Provider as _PersonGB

from .rng import Weighted

FIRST_NAMES_FEMALE: tuple[str, ...] = tuple(_PersonGB.first_names_female)
FIRST_NAMES_MALE: tuple[str, ...] = tuple(_PersonGB.first_names_male)
LAST_NAMES: Weighted[str] = Weighted(
    list(_PersonGB.last_names.keys()), list(_PersonGB.last_names.values())
)
ALL_LAST_NAMES: tuple[str, ...] = tuple(_PersonGB.last_names.keys())

# Faker's en_GB street suffixes include en_US ones (Canyon, Turnpike): keep the English ones.
_ENGLISH_SUFFIXES = {
    "Avenue", "Close", "Court", "Crescent", "Drive", "Gardens", "Green", "Grove", "Hill", "Lane",
    "Mews", "Park", "Place", "Road", "Row", "Square", "Street", "Terrace", "View", "Walk", "Way",
}  # fmt: skip
STREET_SUFFIXES: tuple[str, ...] = tuple(
    sorted({s for s in _AddressGB.street_suffixes if s in _ENGLISH_SUFFIXES})
)

# A small map of common English nicknames, used to simulate how contacts are named in interviews.
NICKNAMES: dict[str, str] = {
    "Robert": "Bob", "Elizabeth": "Liz", "William": "Bill", "Margaret": "Maggie", "James": "Jim",
    "Michael": "Mike", "Christopher": "Chris", "Thomas": "Tom", "Katherine": "Kate",
    "Catherine": "Cathy", "Jennifer": "Jen", "Richard": "Rich", "Daniel": "Dan", "Samuel": "Sam",
    "Alexander": "Alex", "Rebecca": "Becky", "Matthew": "Matt", "Jonathan": "Jon",
    "Anthony": "Tony",
    "Joseph": "Joe", "Susan": "Sue", "Patricia": "Pat", "Deborah": "Debbie", "Victoria": "Vicky",
    "Benjamin": "Ben", "Nicholas": "Nick", "Andrew": "Andy", "Edward": "Ed", "Stephen": "Steve",
    "Jacqueline": "Jackie", "Samantha": "Sam", "Timothy": "Tim", "Peter": "Pete", "David": "Dave",
    "Kenneth": "Ken", "Frederick": "Fred", "Charlotte": "Charlie", "Abigail": "Abbie",
    "Jessica": "Jess", "Natalie": "Nat", "Philip": "Phil", "Gregory": "Greg", "Raymond": "Ray",
    "Ronald": "Ron", "Christine": "Chris", "Kimberley": "Kim", "Nicola": "Nicky", "Stuart": "Stu",
}  # fmt: skip

VOWELS = "aeiou"

PUB_FIRST = ("Red", "White", "Black", "Golden", "Royal", "Old", "Green", "Crown", "Kings", "Queens")
PUB_SECOND = ("Lion", "Hart", "Swan", "Horse", "Bell", "Oak", "Anchor", "Plough", "Star", "Bull")
CAFE_WORDS = ("Cafe", "Kitchen", "Coffee House", "Grill", "Bistro", "Takeaway", "Tandoori", "Diner")
WORK_SUFFIXES = (
    "Logistics Ltd", "Engineering Ltd", "Builders", "Accountants", "Solicitors", "Print Works",
    "Motors", "Foods Ltd", "Distribution", "Joinery", "Textiles", "Packaging Ltd", "Call Centre",
    "Warehouse", "Dental Lab", "Software Ltd", "Bakery", "Garage", "Cleaning Services", "Hotel",
)  # fmt: skip
RETAIL_WORDS = ("Convenience Store", "Pharmacy", "Hardware", "Supermarket", "Newsagent", "Barbers")
GYM_WORDS = ("Fitness", "Leisure Centre", "Gym", "Boxing Club", "Sports Centre")
HEALTH_WORDS = ("Medical Centre", "Surgery", "Dental Practice", "Health Centre", "Opticians")
CARE_HOME_WORDS = ("House", "Lodge", "Court", "Manor", "Grange")

# Preferred language: ISO 639-1 codes. Weights are a rough national picture (2011 Census main
# language: ~92% English in England) shifted per local authority below.
LANGUAGES: tuple[str, ...] = ("en", "pl", "ur", "pa", "bn", "gu", "ar", "ro", "pt", "so", "tr")
LANGUAGE_WEIGHTS: tuple[float, ...] = (
    92.0, 1.2, 0.8, 0.6, 0.6, 0.4, 0.5, 0.5, 0.4, 0.2, 0.2,
)  # fmt: skip
