"""Logistic regressions of the bulletin: forward stepwise selection and its results."""
