"""Personal data in an immutable log: per-person data keys, erasure by crypto-shredding.

- ``kms``: key-encryption keys behind a KMS-shaped interface (``KeyEncryptionKeys``); local ones
  from ``TRELLIS_KEY_ENCRYPTION_KEYS``; rotation.
- ``keys``: ``DataKeyStore``, the per-person data keys in the service's database, their erasure
  and the record of every key handed out.
- ``codec``: ``ProtectingCodec``, the service's codec with personal fields encrypted per person.
- ``export``: ``export_person``, what a service holds about a person (an access request).
- ``history``: ``protect_history``, a service's stored plain history rewritten in place as its
  protecting majors (once, recorded, resumable).
- The key endpoint and the erasure route: ``trellis_kernel.http.privacy_router``; the export
  route: ``trellis_kernel.http.export_router``.
"""

from trellis_kernel.privacy.codec import KeyScope, ProtectingCodec
from trellis_kernel.privacy.export import ABOUT_SOMEONE_ELSE, ExportedEvent, PersonExport, export_person
from trellis_kernel.privacy.keys import (
    DEFAULT_SCOPE,
    DataKey,
    DataKeyStore,
    Erasure,
    KeyOwner,
    KeyRead,
    KeyReadRecord,
    MissingDataKey,
)
from trellis_kernel.privacy.kms import (
    KEY_ENCRYPTION_KEYS_SETTING,
    KeyEncryptionError,
    KeyEncryptionKeys,
    LocalKeyEncryptionKeys,
    WrappedKey,
    new_key_encryption_key,
)

__all__ = [
    "ABOUT_SOMEONE_ELSE",
    "DEFAULT_SCOPE",
    "KEY_ENCRYPTION_KEYS_SETTING",
    "DataKey",
    "DataKeyStore",
    "Erasure",
    "ExportedEvent",
    "KeyEncryptionError",
    "KeyEncryptionKeys",
    "KeyOwner",
    "KeyRead",
    "KeyReadRecord",
    "KeyScope",
    "LocalKeyEncryptionKeys",
    "MissingDataKey",
    "PersonExport",
    "ProtectingCodec",
    "WrappedKey",
    "export_person",
    "new_key_encryption_key",
]
