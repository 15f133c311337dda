"""Models of the supervision app (质量安全监管), one module per part (see `supervision.apps.PARTS`)."""

from .accountability import *  # noqa: F401,F403
from .contracts import *  # noqa: F401,F403
from .dangerous import *  # noqa: F401,F403
from .documents import *  # noqa: F401,F403
from .hazards import *  # noqa: F401,F403
from .inspections import *  # noqa: F401,F403
from .safety import *  # noqa: F401,F403
from .tendering import *  # noqa: F401,F403
