"""Renders deploy/k8s with a pinned Kustomize, built from its Go module.

`go install sigs.k8s.io/kustomize/kustomize/v5@<version>` fetches the module through the Go
module proxy and checks it against Go's checksum database, so the binary is exactly the
published release; it is kept in TRELLIS_HOME/tools and built once per version.
`kubectl kustomize` embeds the same library (kubectl 1.32 embeds v5.5.0).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from trellis_deploy.local.prerequisites import MissingPrerequisite

KUSTOMIZE_MODULE = "sigs.k8s.io/kustomize/kustomize/v5"
KUSTOMIZE_VERSION = "v5.5.0"


def kustomize_binary(home: Path) -> Path:
    binary = home / "tools" / f"kustomize-{KUSTOMIZE_VERSION}"
    if binary.exists():
        return binary
    go = shutil.which("go") or shutil.which("go", path="/usr/local/go/bin:/usr/lib/go/bin")
    if go is None:
        raise MissingPrerequisite(
            "Go is needed to build the pinned Kustomize that renders deploy/k8s: install Go 1.22 or "
            "newer (e.g. `apt-get install golang`), or put a kustomize "
            f"{KUSTOMIZE_VERSION} binary at {binary}"
        )
    binary.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=binary.parent) as gobin:
        environment = {**os.environ, "GOBIN": gobin, "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}
        result = subprocess.run(
            [go, "install", f"{KUSTOMIZE_MODULE}@{KUSTOMIZE_VERSION}"],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise MissingPrerequisite(f"`go install {KUSTOMIZE_MODULE}@{KUSTOMIZE_VERSION}` failed:\n{result.stderr[-3000:]}")
        Path(gobin, "kustomize").rename(binary)
    return binary


def render(home: Path, directory: Path) -> list[dict[str, Any]]:
    """The objects `kustomize build <directory>` renders."""
    result = subprocess.run(
        [str(kustomize_binary(home)), "build", str(directory)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise ValueError(f"kustomize build {directory} failed: {result.stderr.strip()}")
    return [document for document in yaml.safe_load_all(result.stdout) if document]
