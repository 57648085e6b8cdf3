"""The SQL of the bank, one module per table group. Each function takes the unit of work (or the
reader) it runs on and returns the records of shared/domain.py; nothing else in the app writes SQL."""
