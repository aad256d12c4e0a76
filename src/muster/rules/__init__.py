"""The functional core: pure rules over plain frozen dataclasses.

Nothing here imports Django, reads a clock or touches a file, a socket or a
database; "today" is always an argument. An import-linter contract in
pyproject.toml keeps it that way.
"""
