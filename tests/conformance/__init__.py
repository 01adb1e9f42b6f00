"""Conformance suite: the semantics model checked against real Keras releases (see test_conformance.py)."""
