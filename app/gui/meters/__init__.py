"""The level-meter and signal-generator docks (Qt)."""
