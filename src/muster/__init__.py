"""Muster: registration and call-up administration with due process built in."""

__version__ = "0.1.0"
