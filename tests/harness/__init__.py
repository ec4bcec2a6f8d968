"""Unit tests of the host harness: python3 -m unittest discover -s tests/harness -t ."""
