"""The Trellis web app for people: employees, managers and HR, on the services' public APIs."""
