"""The goals codec on a test database: data keys in its tables, wrapped with the suite's keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.privacy_keys import TEST_KEY_ENCRYPTION_KEYS
from trellis_contracts import EventContract
from trellis_contracts.protected import key_ids, reveal
from trellis_goals.event_codec import GoalsCodec, goals_codec
from trellis_kernel.privacy import DataKeyStore, LocalKeyEncryptionKeys
from trellis_kernel.store import Pool


async def codec_on(pool: Pool) -> GoalsCodec:
    """``goals_codec`` over a DataKeyStore in ``pool``'s database (its tables made)."""
    keys = DataKeyStore(pool, LocalKeyEncryptionKeys.from_setting(TEST_KEY_ENCRYPTION_KEYS))
    await keys.setup()
    return goals_codec(keys)


async def opened(keys: DataKeyStore, contract: type[EventContract], data: Mapping[str, Any]) -> dict[str, Any]:
    """A published event's data with its protected fields opened with the service's own keys
    (the fields of an erased person read as erased)."""
    found = await keys.keys_for_reading(key_ids(contract, data))
    return reveal(contract, data, {key_id: key for key_id, key in found.items() if key is not None})
