"""The goals service's HTTP API: commands as POST endpoints, queries on the projections."""
