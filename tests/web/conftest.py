"""The feedback and recognition pages are tested on the platform as `trellis run` serves it
(the same session-wide fixtures as the platform tests)."""

from tests.platform.conftest import platform, platform_databases

__all__ = ["platform", "platform_databases"]
