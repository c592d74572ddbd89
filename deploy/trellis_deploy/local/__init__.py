"""The local stack: a one-node Kafka (KRaft) from Maven Central's jars and a PostgreSQL cluster
from the machine's binaries, each under TRELLIS_HOME with its pid file and log."""
