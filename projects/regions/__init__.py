"""Cross-region work: the joint command of a project spanning several regions, and per-region land acquisition and utility relocation items."""
