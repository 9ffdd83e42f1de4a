"""Synthetic demo extracts calibrated to reproduce the published bulletin."""
