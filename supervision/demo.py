"""Demo data of quality and safety oversight: each part's `demo.seed()` in the order the business runs (lots and
awards, contracts, dangerous works, inspections, safety records, hazards, accountability)."""

from importlib import import_module

from .apps import PARTS


def seed() -> dict:
    result: dict = {}
    for part in PARTS:
        result.update(import_module(f"supervision.{part}.demo").seed() or {})
    return result
