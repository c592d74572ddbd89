"""When no Docker engine can be had, the image tests fail and say what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from trellis_deploy.container import engine
from trellis_deploy.container.engine import DockerError, docker_engine, install_packages


def test_an_engine_named_in_the_environment_that_does_not_answer_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRELLIS_DOCKER_HOST", f"unix://{tmp_path}/nothing.sock")
    with pytest.raises(DockerError, match="no Docker engine answers at TRELLIS_DOCKER_HOST="):
        docker_engine(tmp_path)


def test_without_the_packages_and_without_root_it_says_how_to_get_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_which", lambda program: None)
    monkeypatch.setattr(engine.os, "geteuid", lambda: 1000)
    with pytest.raises(DockerError, match=r"only root can install them: run `apt-get install docker.io debootstrap`"):
        install_packages()


def test_without_apt_it_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_which", lambda program: None)
    monkeypatch.setattr(engine.os, "geteuid", lambda: 0)
    monkeypatch.setattr(engine.shutil, "which", lambda program, **_: None)
    with pytest.raises(DockerError, match="there is no apt-get to install them with"):
        install_packages()
