"""The admin site's model pages. Django's admin autodiscovery imports this module; each submodule
registers its ModelAdmins."""

from console.admin import jobs, media, slots

__all__ = ["jobs", "media", "slots"]
