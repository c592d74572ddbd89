"""The feedback service's pure domain: one Decider per aggregate, no I/O and no clock.

- ``request``: a request for feedback to several people, their answers (named, or anonymous
  and sealed until the request closes), declines, the reminder and the closing (stream per
  request);
- ``feedback``: feedback given unasked (stream per feedback);
- ``conversation``: a performance conversation, its goal links and agreed actions (stream per
  conversation);
- ``cadence``: how often an employee and their manager talk (stream per pair);
- ``settings``: the organisation's anonymity threshold k (stream per organisation);
- ``authorization``: who may do what, as a pure function.

What the service knows about other services (who manages whom, which goals and milestones
exist) comes in through commands as ``Facts``, built by the application from the goals topic.
Time comes in commands as ``now``.
"""
