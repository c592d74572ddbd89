"""Where a service's key-encryption keys come from: its environment, or the local stack's file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from trellis_deploy import cli
from trellis_deploy.local.secrets import local_key_encryption_keys
from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING, LocalKeyEncryptionKeys
from trellis_kernel.settings import MissingSetting, ServiceSettings


def test_a_service_reads_its_key_encryption_keys_from_the_environment() -> None:
    entry = "kek_a:" + "A" * 43
    values = ServiceSettings.common_values(
        "goals", {"GOALS_DATABASE_URL": "postgresql://x/y", KEY_ENCRYPTION_KEYS_SETTING: entry}
    )
    keys = ServiceSettings(**values).key_encryption()
    assert isinstance(keys, LocalKeyEncryptionKeys)
    assert keys.current == "kek_a"


def test_a_service_without_key_encryption_keys_says_what_to_set() -> None:
    with pytest.raises(MissingSetting, match=f"set {KEY_ENCRYPTION_KEYS_SETTING}"):
        ServiceSettings(database_url="postgresql://x/y").key_encryption()
    with pytest.raises(MissingSetting, match="write each key as <id>:<base64url key>"):
        ServiceSettings(database_url="postgresql://x/y", key_encryption_keys="no-separator").key_encryption()


def test_the_local_stack_makes_its_keys_once_readable_only_by_its_owner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENCRYPTION_KEYS_SETTING, raising=False)
    first = local_key_encryption_keys(tmp_path)
    assert local_key_encryption_keys(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "key-encryption-keys").stat().st_mode) == 0o600
    assert LocalKeyEncryptionKeys.from_setting(first).current == "local_1"
    monkeypatch.setenv(KEY_ENCRYPTION_KEYS_SETTING, "kek_ops:" + "B" * 43)
    assert local_key_encryption_keys(tmp_path) == "kek_ops:" + "B" * 43


def test_trellis_keys_new_kek_prints_a_fresh_entry(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["keys", "new-kek", "kek_2027"]) == 0
    first = capsys.readouterr().out.strip()
    assert cli.main(["keys", "new-kek", "kek_2027"]) == 0
    second = capsys.readouterr().out.strip()
    assert first != second
    assert LocalKeyEncryptionKeys.from_setting(f"{first},kek_old:{'C' * 43}").current == "kek_2027"
