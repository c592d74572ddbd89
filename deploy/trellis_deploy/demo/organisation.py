"""The demo organisation: HR, two teams with their managers, employees on two career tracks."""

from __future__ import annotations

from trellis_deploy.demo.context import Person

TECHNICAL = "technical-mastery"
LEADERSHIP = "people-leadership"

PEOPLE = [
    Person("hana", "Hana (HR)", "hr"),
    Person("maya", "Maya, design lead", "manager", team="design"),
    Person("omar", "Omar, sales lead", "manager", team="sales"),
    Person("ana", "Ana, designer", "employee", team="design", track_id=TECHNICAL),
    Person("ben", "Ben, designer", "employee", team="design", track_id=LEADERSHIP),
    Person("cara", "Cara, account executive", "employee", team="sales", track_id=TECHNICAL),
    Person("dev", "Dev, marketing specialist", "employee", team="sales", track_id=LEADERSHIP),
    Person("eli", "Eli, sales development", "employee", team="sales", track_id=TECHNICAL),
]

MANAGER_OF_TEAM = {"design": "maya", "sales": "omar"}
