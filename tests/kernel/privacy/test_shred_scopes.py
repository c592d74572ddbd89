"""Retention shreds whole scopes of an organisation's keys (say, the years past its horizon),
whoever they belong to; on real PostgreSQL."""

from __future__ import annotations

from tests.kernel.privacy.test_protecting_codec import PrivacyFixtures
from trellis_kernel.privacy import DataKeyStore, KeyOwner

ORG, OTHER_ORG = "org_1", "org_2"


class TestShredScopes(PrivacyFixtures):
    async def test_the_scopes_keys_are_shredded_for_everyone_and_no_other(self, keys: DataKeyStore) -> None:
        owners = [
            KeyOwner(ORG, "emp_ada", "2023"),
            KeyOwner(ORG, "emp_bob", "2023"),
            KeyOwner(ORG, "emp_ada", "2024"),
            KeyOwner(OTHER_ORG, "emp_ada", "2023"),
        ]
        made = await keys.keys_for_writing(owners)
        ids = {owner: made[owner].key_id for owner in owners}
        assert await keys.scopes(ORG) == {"2023", "2024"}

        assert await keys.shred_scopes(ORG, ["2023"], cause="retention") == 2

        read = await keys.keys_for_reading(ids.values())
        assert read[ids[owners[0]]] is None and read[ids[owners[1]]] is None  # erased, not lost
        assert read[ids[owners[2]]] == made[owners[2]].key
        assert read[ids[owners[3]]] == made[owners[3]].key  # another organisation's rule is its own
        assert await keys.scopes(ORG) == {"2024"}
        causes = await keys.pool.fetch("SELECT DISTINCT cause FROM privacy_shredded_keys")
        assert [row["cause"] for row in causes] == ["retention"]
        answer = await keys.read_for(ids[owners[0]], organisation_id=ORG, reader="lms", allowed=True)
        assert answer.outcome == "erased"

        assert await keys.shred_scopes(ORG, ["2023"]) == 0  # a second run finds nothing left
        assert await keys.shred_scopes(ORG, []) == 0

    async def test_a_person_keeps_writing_in_a_live_scope_after_an_older_one_went(
        self, keys: DataKeyStore
    ) -> None:
        old = KeyOwner(ORG, "emp_ada", "2023")
        await keys.keys_for_writing([old])
        await keys.shred_scopes(ORG, ["2023"])
        current = KeyOwner(ORG, "emp_ada", "2026")
        key = (await keys.keys_for_writing([current]))[current]
        assert (await keys.keys_for_reading([key.key_id]))[key.key_id] == key.key
