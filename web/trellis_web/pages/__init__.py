"""The pages: an employee's growth, a goal and its history, a manager's team, the organisation."""
