"""A Docker engine to build and run Trellis's image on this machine.

TRELLIS_DOCKER_HOST (e.g. ``unix:///var/run/docker.sock``) points at an engine that already
runs; then nothing is installed or started. Otherwise, as root on Debian, the `docker.io` and
`debootstrap` packages are installed with apt-get when missing, and dockerd is started with no
iptables rules, no bridge and the vfs storage driver, which need nothing from the host's
kernel beyond namespaces (it runs inside a sandbox too); containers then use the host's
network (``--network host``). The engine's images and layers live in TRELLIS_HOME/docker and
survive restarts; its socket and run state live under /run, where unix socket paths stay short.
It listens on its own socket, never the default one, so it disturbs no other engine.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from trellis_deploy.local import processes

PACKAGES = ("docker.io", "debootstrap")
START_TIMEOUT_SECONDS = 60.0


class DockerError(RuntimeError):
    """No engine could be had, or a docker command failed; the message says which and why."""


@dataclass(frozen=True)
class Docker:
    """The docker client, bound to one engine."""

    host: str
    client: str
    private: bool = False
    """True for the engine Trellis started for itself: its images and build cache are ours to tidy."""

    def command(self, *args: str) -> list[str]:
        return [self.client, "--host", self.host, *args]

    def run(
        self, *args: str, check: bool = True, timeout: float | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Runs a docker command and returns its output; a failure raises with docker's own words."""
        result = subprocess.run(
            self.command(*args),
            env={**os.environ, **env} if env else None,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise DockerError(
                f"`docker {' '.join(args[:3])} ...` failed ({result.returncode}): "
                f"{(result.stdout + result.stderr).strip()[-3000:]}"
            )
        return result

    def answers(self) -> bool:
        try:
            return self.run("version", "--format", "{{.Server.Version}}", check=False, timeout=10).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def image_exists(self, reference: str) -> bool:
        return self.run("image", "inspect", reference, check=False).returncode == 0


def docker_engine(home: Path) -> Docker:
    """The engine TRELLIS_DOCKER_HOST names, else the local one (installed and started if needed)."""
    external = os.environ.get("TRELLIS_DOCKER_HOST")
    if external:
        docker = Docker(external, _client_for(_which("dockerd")))
        if not docker.answers():
            raise DockerError(f"no Docker engine answers at TRELLIS_DOCKER_HOST={external}")
        return docker
    return LocalDockerEngine(home).up()


def install_packages() -> None:
    """Installs Debian's docker.io and debootstrap when missing (as root, with apt-get)."""
    missing = [p for p, program in zip(PACKAGES, ("dockerd", "debootstrap"), strict=True) if not _which(program)]
    if not missing:
        return
    if os.geteuid() != 0:
        raise DockerError(
            f"{', '.join(missing)} missing and only root can install them: run "
            f"`apt-get install {' '.join(PACKAGES)}` as root, or set TRELLIS_DOCKER_HOST to a running engine"
        )
    apt = shutil.which("apt-get")
    if apt is None:
        raise DockerError(
            f"{', '.join(missing)} missing and there is no apt-get to install them with: install a Docker "
            "engine and debootstrap, or set TRELLIS_DOCKER_HOST to a running engine"
        )
    # RUNLEVEL=1: the packages' scripts must not start a system-wide dockerd of their own.
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "RUNLEVEL": "1"}
    for command in (
        [apt, "update", "-q"],
        [apt, "install", "-y", "-q", "--no-install-recommends", *PACKAGES],
    ):
        result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise DockerError(f"`{' '.join(command)}` failed: {(result.stderr or result.stdout)[-2000:]}")


class LocalDockerEngine:
    def __init__(self, home: Path) -> None:
        self.root = home / "docker"
        self.data_root = self.root / "data"
        self.log_file = self.root / "dockerd.log"
        self.pid_file = self.root / "dockerd.pid"
        digest = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:12]
        self.run_dir = Path("/run") / f"trellis-docker-{digest}"
        self.socket = self.run_dir / "docker.sock"

    @property
    def docker(self) -> Docker:
        return Docker(f"unix://{self.socket}", _client_for(_which("dockerd")), private=True)

    def running_pid(self) -> int | None:
        pid = processes.read_pid(self.pid_file)
        return pid if pid is not None and processes.is_running(pid, str(self.data_root)) else None

    def up(self) -> Docker:
        """Starts dockerd if it is not running (installing it first if needed); a second call reuses it."""
        if self.running_pid() is not None and self.docker.answers():
            return self.docker
        install_packages()
        dockerd = _which("dockerd")
        if dockerd is None:
            raise DockerError("dockerd is not on PATH even after installing docker.io")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.data_root.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        command = [
            dockerd,
            "--iptables=false", "--ip-forward=false", "--bridge=none", "--storage-driver=vfs",
            "--data-root", str(self.data_root),
            "--exec-root", str(self.run_dir / "exec"),
            "--pidfile", str(self.run_dir / "dockerd.pid"),
            "--host", f"unix://{self.socket}",
        ]  # fmt: skip
        process = processes.spawn(command, self.log_file, cwd=self.root)
        self.pid_file.write_text(f"{process.pid}\n")
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            if self.docker.answers():
                return self.docker
            time.sleep(0.5)
        processes.terminate(process.pid, str(self.data_root))
        raise DockerError(
            f"dockerd did not start within {START_TIMEOUT_SECONDS:.0f}s; its log ({self.log_file}) ends:\n"
            + processes.tail(self.log_file)
        )

    def down(self) -> bool:
        pid = self.running_pid()
        if pid is None:
            return False
        processes.terminate(pid, str(self.data_root))
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> str:
        pid = self.running_pid()
        return f"running, pid {pid}" if pid is not None else "stopped"


def _which(program: str) -> str | None:
    # apt installs into /usr/sbin and /usr/bin, which a minimal PATH may lack.
    return shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/bin:/sbin:/bin")


def _client_for(dockerd: str | None) -> str:
    """The docker client installed with the engine (Debian: dockerd in /usr/sbin, docker in
    /usr/bin); a newer client elsewhere on PATH may lack what the engine's own speaks (a build
    without the buildx plugin). Else the first on PATH."""
    if dockerd:
        folder = Path(dockerd).resolve().parent
        for candidate in (folder / "docker", folder.parent / "bin" / "docker"):
            if candidate.exists():
                return str(candidate)
    client = shutil.which("docker")
    if client is None:
        raise DockerError("no docker client found on PATH")
    return client
