"""Demo data of this part."""


def seed() -> dict:
    return {}
