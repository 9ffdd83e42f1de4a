"""public-protection: the warehouse behind HMI Probation's public protection research."""

__version__ = "0.1.0"
