"""Pure read-model logic of the goals service: events in, rows and views out.

The SQL side stores what these functions compute; it decides nothing itself.
"""
