"""The recognition service's pure domain: no I/O and no clock (time comes in commands).

- ``triggers``: which consumed events can trigger a policy, read by data (``TRIGGER_SOURCES``),
  and the conditions a rule puts on an event's fields;
- ``periods``: calendar windows (week, month, quarter, year) and budget periods, in UTC;
- ``policies``: publishing versioned policies (stream per policy) and which version is in effect;
- ``evaluation``: the policy evaluator, from a triggering event and the facts gathered for it
  to the outcomes, each with an id derived from the event (or window) and the rule;
- ``outcomes``, ``rewards``, ``compensation``: one stream per outcome, recorded once;
  held rewards and pay changes approved or rejected by an HR admin who is not the beneficiary;
- ``budgets``: a team's budgets for a year and what was granted from them;
- ``peer_recognition``: colleagues recognising each other within the policy's limits;
- ``backtest``: what a draft policy would have granted over a history, emitting nothing;
- ``authorization``: who may do what.
"""
