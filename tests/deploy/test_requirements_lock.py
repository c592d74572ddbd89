"""The image installs from deploy/requirements.lock: it must hold what pyproject.toml declares."""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement

from trellis_deploy.requirements import LOCAL_PACKAGES, LOCKS, stale_locks
from trellis_deploy.settings import DEPLOY_DIR, PROJECT_DIR


def pinned(lock_text: str) -> dict[str, str]:
    pins = {}
    for line in lock_text.splitlines():
        if "==" in line and not line.lstrip().startswith(("#", "--")):
            name, _, rest = line.partition("==")
            pins[name.strip().lower()] = rest.split()[0].split(";")[0].strip()
    return pins


def test_every_declared_runtime_requirement_is_pinned_within_its_range() -> None:
    pins = pinned((DEPLOY_DIR / "requirements.lock").read_text())
    for pyproject in (PROJECT_DIR / "pyproject.toml", PROJECT_DIR / "contracts" / "pyproject.toml"):
        for declared in tomllib.loads(pyproject.read_text())["project"]["dependencies"]:
            requirement = Requirement(declared)
            if requirement.name in LOCAL_PACKAGES:
                continue
            version = pins.get(requirement.name.lower())
            assert version is not None, f"{requirement.name} ({pyproject.name}) is not in requirements.lock"
            assert requirement.specifier.contains(version), f"{requirement.name}=={version} breaks {declared}"


def test_the_locks_are_what_uv_compiles_from_their_sources() -> None:
    assert LOCKS
    assert stale_locks() == [], "run `make lock` and commit the result"
