"""A Python base image made here from Debian's packages, for engines that reach no image registry.

debootstrap installs a minimal Debian with python3 and its venv module into a folder; its
archive is imported into the engine as ``trellis-base:<suite>-<recipe digest>``. The archive is
kept in TRELLIS_HOME/docker/base, and the engine keeps the image, so only the first run pays
for debootstrap; a change of the recipe below makes a new tag.

The machine's own extra certificate authorities (/usr/local/share/ca-certificates, where a
TLS-inspecting proxy's CA is installed) are added to the image's trust store, and pip and uv are
pointed at that store, so the image build reaches the package index as the machine does.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from trellis_deploy.container.engine import Docker, DockerError, install_packages

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
PACKAGES = ("python3", "python3-venv")
REMOVED = ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/info")
"""What a runtime image does not need: downloaded packages, package lists, documentation."""
TRUST_STORE = "/etc/ssl/certs/ca-certificates.crt"
IMAGE_CONFIG = (
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    f"ENV SSL_CERT_FILE={TRUST_STORE}",
    f"ENV PIP_CERT={TRUST_STORE}",
    'CMD ["python3"]',
)
EXTRA_CERTIFICATES = Path("/usr/local/share/ca-certificates")


def base_image_tag() -> str:
    recipe = repr((SUITE, MIRROR, PACKAGES, REMOVED, IMAGE_CONFIG, _extra_certificates())).encode()
    return f"trellis-base:{SUITE}-{hashlib.sha256(recipe).hexdigest()[:10]}"


def _extra_certificates() -> list[tuple[str, bytes]]:
    if not EXTRA_CERTIFICATES.is_dir():
        return []
    return [(path.name, path.read_bytes()) for path in sorted(EXTRA_CERTIFICATES.glob("*.crt"))]


def ensure_base_image(docker: Docker, home: Path) -> str:
    """The base image's tag, imported (and first built) if the engine lacks it."""
    tag = base_image_tag()
    if docker.image_exists(tag):
        return tag
    archive = home / "docker" / "base" / f"{tag.replace(':', '-')}.tar"
    if not archive.exists():
        build_root_archive(archive)
    changes = [argument for line in IMAGE_CONFIG for argument in ("--change", line)]
    docker.run("import", *changes, str(archive), tag, timeout=600)
    _remove_older(docker, archive, tag)
    return tag


def _remove_older(docker: Docker, archive: Path, tag: str) -> None:
    """Earlier recipes' archives and images: they only take space once a new one is in."""
    for old in archive.parent.glob("trellis-base-*.tar"):
        if old != archive:
            old.unlink()
    listed = docker.run("images", "--format", "{{.Repository}}:{{.Tag}}", tag.split(":")[0]).stdout.split()
    for old_tag in listed:
        if old_tag != tag:
            docker.run("rmi", old_tag, check=False)


def build_root_archive(archive: Path) -> None:
    install_packages()
    debootstrap = shutil.which("debootstrap") or "/usr/sbin/debootstrap"
    work = archive.parent / "rootfs.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = archive.parent / "debootstrap.log"
    try:
        with log.open("w") as output:
            result = subprocess.run(
                [debootstrap, "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(work), MIRROR],
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if result.returncode != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise DockerError(f"debootstrap failed ({result.returncode}); {log} ends:\n{tail}")
        for relative in REMOVED:
            target = work / relative
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True, exist_ok=True)
        _trust_extra_certificates(work)
        partial = archive.with_suffix(".partial")
        subprocess.run(["tar", "--numeric-owner", "-C", str(work), "-cf", str(partial), "."], check=True)
        partial.rename(archive)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _trust_extra_certificates(root: Path) -> None:
    """What update-ca-certificates would do inside the image: keep the file, append it to the store."""
    folder = root / EXTRA_CERTIFICATES.relative_to("/")
    folder.mkdir(parents=True, exist_ok=True)
    with (root / TRUST_STORE.lstrip("/")).open("ab") as store:
        for name, content in _extra_certificates():
            (folder / name).write_bytes(content)
            store.write(b"\n" + content.strip() + b"\n")
