"""Local development host for the IE Bank Azure Functions app (never deployed; see README.md)."""
