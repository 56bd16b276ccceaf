"""Static files under DEBUG=0: WhiteNoise's compressed storage with hashed names."""
from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage, tolerant of a vendored stylesheet that names a file its package does
    not ship (viewflow's roboto-fontface CSS lists font weights that are absent): the reference
    stays as written instead of failing `collectstatic` for a font nobody loads."""

    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:  # whitenoise's MissingFileError is one
            if content is None and not self.exists(self.clean_name(name)):
                return name
            raise
