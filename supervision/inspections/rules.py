"""The rules of witnessed sampling (见证取样) and of the draw of a testing agency, as pure functions over what is
read once: the plan page, the API and the services ask here, so every door says the same thing.

Witnessed sampling: at least `witness_share` % (never under 30 %) of a plan's required samples are taken in a
witness's presence. Re-inspection samples (`retest_of`) do not count towards a plan's required samples. An
unwitnessed sample is refused when the samples still to take could no longer bring the plan to its share."""

import math
import random
from dataclasses import dataclass

from django.utils.translation import gettext as _


def witnessed_needed(required: int, share: int) -> int:
    """How many of `required` samples must be witnessed for `share` %: rounded up (10 samples at 30 % → 3)."""
    return math.ceil(required * share / 100)


@dataclass(frozen=True)
class WitnessProgress:
    """A plan's sampling progress: required, taken (first tests only) and witnessed samples."""

    required: int
    share: int
    taken: int
    witnessed: int

    @property
    def needed(self) -> int:
        return witnessed_needed(self.required, self.share)

    @property
    def witnessed_percent(self) -> int:
        """Witnessed samples as a share of the required ones, in whole per cent."""
        return math.floor(100 * self.witnessed / self.required) if self.required else 0

    @property
    def taken_percent(self) -> int:
        return min(100, math.floor(100 * self.taken / self.required)) if self.required else 0

    @property
    def witness_met(self) -> bool:
        return self.witnessed >= self.needed

    @property
    def still_to_witness(self) -> int:
        return max(0, self.needed - self.witnessed)

    @property
    def remaining(self) -> int:
        return max(0, self.required - self.taken)


def unwitnessed_refusal(progress: WitnessProgress) -> str | None:
    """Why one more unwitnessed sample may not be taken now, or None: the samples left after it could no longer
    make up the witnessed share."""
    if progress.remaining == 0:  # the plan's required samples are taken: extra samples are free
        return None
    if progress.remaining - 1 < progress.still_to_witness:
        return _("%(n)s more of the %(left)s samples still to take must be witnessed (见证取样 at least "
                 "%(share)s %%): this one must be witnessed.") % {
            "n": progress.still_to_witness, "left": progress.remaining, "share": progress.share}
    return None


def draw(candidates: list[int], rng: random.Random | None = None) -> int | None:
    """One of the eligible agencies' ids, at random (the system's source of randomness unless a test passes its
    own); None when there is none."""
    if not candidates:
        return None
    return (rng or random.SystemRandom()).choice(sorted(candidates))
