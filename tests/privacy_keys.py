"""The key-encryption keys of the test suite's services (a fixed, public test value: never use
it for real data)."""

from typing import Final

TEST_KEY_ENCRYPTION_KEYS: Final = "kek_tests:02DSMq-BiNKo5sYZqhj5FNbQbaCmSzGnruZs_AztyAg"
