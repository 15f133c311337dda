"""Access rules of this part's records."""

POLICIES: tuple = ()
