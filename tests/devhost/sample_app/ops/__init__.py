"""Stand-in for the backend's ops package, so the dev host's embedded-database start can be tested alone.

The dev host tests run the host with this folder as the working directory, so this package
(not the project's real ops/) is the one imported there.
"""
