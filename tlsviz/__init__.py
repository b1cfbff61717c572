"""tlsviz: an interactive, educational TLS handshake visualizer."""

__version__ = "0.1.0"
