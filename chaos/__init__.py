"""Fault injection over the whole platform: services in two processes each on a private Kafka and
PostgreSQL, journeys through the public APIs, a seeded schedule of faults, and checks afterwards
that no acknowledged event was lost and no effect applied twice (`make chaos`)."""
