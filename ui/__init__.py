"""The Streamlit layer between ``gdcore`` and the pages: settings, cached results, charts, page furniture."""

from .memo import return_freed_memory_to_the_system
from .page import sidebar
from .settings import DEFAULTS, Settings, current, set_settings

# Once per process, before any page allocates N-sized arrays (see ui.memo).
return_freed_memory_to_the_system()

__all__ = ["DEFAULTS", "Settings", "current", "set_settings", "sidebar"]
