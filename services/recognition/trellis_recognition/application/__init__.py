"""The recognition service's use cases (``service``), its reaction to other services' events
(``reactions``), and the command handling both build on (``handlers``, ``transactions``)."""

from trellis_recognition.application.access import HR_ADMIN_ROLE, actor_of
from trellis_recognition.application.service import RecognitionApplication, Recorded, ReusedId, utc_now

__all__ = ["HR_ADMIN_ROLE", "RecognitionApplication", "Recorded", "ReusedId", "actor_of", "utc_now"]
