"""Demo data of the project lifecycle, part by part, on the demo province's projects (see portal/core/demo.py).
Each part's `seed()` is idempotent and returns counts for the seed_demo summary."""

from importlib import import_module

from .apps import PARTS


def seed() -> dict:
    result: dict = {}
    for part in PARTS:
        result.update(import_module(f"projects.{part}.demo").seed() or {})
    return result
