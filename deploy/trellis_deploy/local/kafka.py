"""A one-node Apache Kafka in KRaft combined mode on 127.0.0.1, run from Maven Central's jars.

The jars are resolved once by Maven (deploy/kafka/pom.xml, versions pinned) into
TRELLIS_HOME/kafka/libs and reused while the POM is unchanged; the storage is formatted once.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from trellis_deploy.local import prerequisites, processes, readiness
from trellis_deploy.settings import DEPLOY_DIR, configured_port

POM = DEPLOY_DIR / "kafka" / "pom.xml"
MAIN_CLASS = "kafka.Kafka"
DEFAULT_PORT = 19092
HEAP = ["-Xms512m", "-Xmx512m"]


class KafkaStartError(RuntimeError):
    pass


@dataclass(frozen=True)
class KafkaStatus:
    running: bool
    pid: int | None
    bootstrap_servers: str
    log_file: Path


class LocalKafka:
    def __init__(self, home: Path, *, libs: Path | None = None, ports: tuple[int, int] | None = None) -> None:
        """``libs``: where the broker's jars are (resolved there if missing), to share them with
        another stack; ``ports``: the broker and controller ports to use instead of choosing."""
        self.root = home / "kafka"
        self.libs = libs or self.root / "libs"
        self._fixed_ports = ports
        self.data = self.root / "data"
        self.logs = self.root / "logs"
        self.config = self.root / "server.properties"
        self.log4j_config = self.root / "log4j.properties"
        self.pid_file = self.root / "kafka.pid"
        self.ports_file = self.root / "ports"

    @property
    def log_file(self) -> Path:
        return self.logs / "server.log"

    def status(self) -> KafkaStatus:
        pid = processes.read_pid(self.pid_file)
        running = pid is not None and processes.is_running(pid, str(self.config))
        port = (self._saved_ports() or (DEFAULT_PORT, 0))[0]
        return KafkaStatus(running, pid if running else None, f"127.0.0.1:{port}", self.log_file)

    def up(self, *, timeout: float = 120.0) -> KafkaStatus:
        current = self.status()
        if current.running:
            return current
        java = prerequisites.java()
        self.resolve_jars()
        port, controller_port = self._ports_for_start()
        self._write_config(port, controller_port)
        self._format_storage_once(java)
        started_at = datetime.now().strftime("[%Y-%m-%d %H:%M:%S")
        broker = processes.spawn(
            [
                java,
                *HEAP,
                "-XX:+UseG1GC",
                "-Djava.awt.headless=true",
                f"-Dlog4j.configuration=file:{self.log4j_config}",
                f"-Dkafka.logs.dir={self.logs}",
                "-cp",
                f"{self.libs}/*",
                MAIN_CLASS,
                str(self.config),
            ],
            self.logs / "kafka.out",
            cwd=self.root,
        )
        self.pid_file.write_text(f"{broker.pid}\n")
        bootstrap = f"127.0.0.1:{port}"
        ready = readiness.wait_until(
            lambda: readiness.kafka_answers_metadata(bootstrap),
            timeout=timeout,
            still_starting=lambda: broker.poll() is None,
        )
        if not ready:
            exited = broker.poll() is not None
            processes.stop_child(broker)
            self.pid_file.unlink(missing_ok=True)
            what = (
                f"exited with status {broker.returncode}" if exited else f"did not answer in {timeout:.0f}s"
            )
            raise KafkaStartError(
                f"Kafka on {bootstrap} {what}. First errors in {self.log_file}:\n"
                f"{processes.first_errors(self.log_file, since=started_at)}"
            )
        return self.status()

    def down(self) -> bool:
        pid = processes.read_pid(self.pid_file)
        if pid is None:
            return False
        was_running = processes.is_running(pid, str(self.config))
        processes.terminate(pid, str(self.config), timeout=60)
        self.pid_file.unlink(missing_ok=True)
        return was_running

    def resolve_jars(self) -> None:
        """Copies the broker's runtime jars into libs/, once per version of the POM."""
        fingerprint = hashlib.sha256(POM.read_bytes()).hexdigest()
        marker = self.libs / ".resolved-from"
        if marker.exists() and marker.read_text() == fingerprint:
            return
        mvn = prerequisites.maven()
        staging = self.libs.with_name(self.libs.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        result = subprocess.run(
            [
                mvn,
                "-B",
                "-q",
                "-f",
                str(POM),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={staging}",
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise KafkaStartError(
                "Maven could not resolve the Kafka broker's jars from Maven Central "
                f"(mvn exited {result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
            )
        shutil.rmtree(self.libs, ignore_errors=True)
        staging.rename(self.libs)
        marker.write_text(fingerprint)

    def _saved_ports(self) -> tuple[int, int] | None:
        if not self.ports_file.exists():
            return None
        port, controller = (int(p) for p in self.ports_file.read_text().split())
        return port, controller

    def _ports_for_start(self) -> tuple[int, int]:
        """The ports used last time if both are free, else new ones (saved for next time)."""
        if self._fixed_ports is not None:
            self.root.mkdir(parents=True, exist_ok=True)
            self.ports_file.write_text(f"{self._fixed_ports[0]} {self._fixed_ports[1]}\n")
            return self._fixed_ports
        saved = self._saved_ports()
        if saved is not None and all(processes.port_is_free(p) for p in saved):
            return saved
        port = processes.free_port_from(configured_port("TRELLIS_KAFKA_PORT", DEFAULT_PORT))
        controller = processes.free_port_from(
            configured_port("TRELLIS_KAFKA_CONTROLLER_PORT", port + 1), excluding=frozenset({port})
        )
        self.root.mkdir(parents=True, exist_ok=True)
        self.ports_file.write_text(f"{port} {controller}\n")
        return port, controller

    def _write_config(self, port: int, controller_port: int) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            SERVER_PROPERTIES.format(port=port, controller_port=controller_port, data=self.data)
        )
        self.log4j_config.write_text(LOG4J_PROPERTIES.format(log_file=self.log_file))

    def _format_storage_once(self, java: str) -> None:
        if (self.data / "meta.properties").exists():
            return
        cluster_id = new_cluster_id()
        result = subprocess.run(
            [
                java,
                "-Xmx256m",
                f"-Dlog4j.configuration=file:{self.log4j_config}",
                "-cp",
                f"{self.libs}/*",
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(self.config),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise KafkaStartError(f"Formatting Kafka's storage failed:\n{result.stdout}{result.stderr}")


def new_cluster_id() -> str:
    """A random cluster id as Kafka makes them (URL-safe base64 of a UUID), never one starting
    with '-': the storage tool would take it for an option and refuse to format."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id


SERVER_PROPERTIES = """\
# Written by `trellis infra up`; edits are overwritten on the next start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller_port}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data}
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
# One node: internal topics cannot have more than one replica. Without the two
# transaction.state.log settings idempotent and transactional producers never initialise.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
log.retention.hours=168
"""

LOG4J_PROPERTIES = """\
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File={log_file}
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
"""
