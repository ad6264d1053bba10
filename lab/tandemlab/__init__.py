"""Tandem lab: real hosts in two zones, one command (see docs/lab.md)."""
