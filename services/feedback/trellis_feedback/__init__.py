"""The feedback service: feedback requests, 360 and upward feedback with anonymity that holds,
and performance conversations between employees and their managers on a cadence."""
