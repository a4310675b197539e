"""liveshop: a self-hosted live-commerce platform."""

__version__ = "0.1.0"
