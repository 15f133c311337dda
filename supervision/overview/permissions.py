"""Access rules of the supervision documents (the overview pages read other parts' records through their
selectors, which apply those parts' rules)."""

from ..documents import DocumentPolicy

POLICIES = (DocumentPolicy(),)
