"""Demo data of this part, created by `projects.demo.seed()` after the demo province exists."""


def seed() -> dict:
    return {}
