"""Audio output: streams that play to a device (Qt-free)."""
