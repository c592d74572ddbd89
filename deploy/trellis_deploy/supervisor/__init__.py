"""`trellis run`: every service and the web app as processes of their own, one combined log,
a banner saying where everything is, and one clean shutdown on Ctrl-C."""
