"""The deterministic seed dataset: same scale, same rows, ids, timestamps and demo logins."""

from seed.dataset import SeedSummary, seed_database
from seed.demo import DEMO_LOGINS, DEMO_PASSWORD, DemoLogin
from seed.load import SeedError, is_empty, is_seeded

__all__ = [
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DemoLogin",
    "SeedError",
    "SeedSummary",
    "is_empty",
    "is_seeded",
    "seed_database",
]
