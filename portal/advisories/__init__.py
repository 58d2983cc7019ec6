"""Travel-safety advice per country, its editions and feeds, subscriptions, and overseas travel
registration (出國登錄)."""

from portal.advisories import alerts  # noqa: F401  (registers the fan-out job)
from portal.advisories.models import Edition  # noqa: F401
