"""The Streamlit-facing kit: shared settings, cached adapters, charts, page furniture."""

from .settings import DEFAULTS, Settings, current, set_settings, sidebar

__all__ = ["DEFAULTS", "Settings", "current", "set_settings", "sidebar"]
