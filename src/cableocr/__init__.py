"""cableocr: scanned Japanese Foreign Ministry cables to structured, reviewable JSON."""

__version__ = "0.6.9"
