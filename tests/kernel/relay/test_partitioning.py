from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner

from trellis_kernel.relay.partitioning import cached_key_partitioner


def test_keys_land_on_the_partition_kafkas_default_partitioner_picks() -> None:
    default = DefaultPartitioner()
    for partitions in (1, 3, 12):
        all_partitions = list(range(partitions))
        for n in range(500):
            key = f"goal-{n:08d}-{n * 7919}".encode()
            assert cached_key_partitioner(key, all_partitions, all_partitions) == default(
                key, all_partitions, all_partitions
            )
