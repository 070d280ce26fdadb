"""The suite's network guard (tests/conftest.py) is armed: rossim's runs above cannot download."""

import socket

import pytest


def test_connections_are_refused():
    with socket.socket() as s, pytest.raises(AssertionError, match="network access attempted"):
        s.connect(("192.0.2.1", 80))  # TEST-NET-1: an address, so no DNS is needed
