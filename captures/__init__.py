"""Bundled real TLS handshakes and the code that re-makes them (see README.md here)."""
