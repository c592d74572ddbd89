"""The goals service's pure domain: one Decider per aggregate, no I/O and no clock.

- ``goal``: a SMART goal from proposal and agreement through milestones, check-ins,
  reviews and development activities (stream per goal);
- ``vision``: an employee's vision and values statement (stream per employee);
- ``career_tracks``: the tracks an organisation offers (stream per organisation);
- ``career_choice``: the track an employee follows (stream per employee);
- ``reporting_line``: who an employee reports to (stream per employee);
- ``person``: a person's erasure, said once (stream per person);
- ``authorization``: who may do what, as a pure function.
"""
