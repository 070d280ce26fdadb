"""The suite's network guard (tests/conftest.py) is armed: rossim's runs above cannot download."""

import socket

import pytest


def test_connections_are_refused():
    with pytest.raises(AssertionError, match="network access attempted"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: no DNS needed
