"""Scale data of quality and safety oversight (written by its own part of the work)."""


def seed(ctx) -> None:
    return None


def counts() -> dict:
    return {}
