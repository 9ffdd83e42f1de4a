"""The harmonised categories the warehouse and the bulletin share.

One vocabulary for the demo generator, the quality suites and the
regressions; the dbt seeds (code_lists, subgroup_categories) hold the same
labels for SQL.
"""

from __future__ import annotations

# The 12 matched police force areas of Table 1.
AREAS = (
    "Cumbria",
    "Derbyshire",
    "Durham",
    "Gloucestershire",
    "Greater Manchester",
    "Kent",
    "London",
    "North Yorkshire",
    "Northamptonshire",
    "South Yorkshire",
    "Staffordshire",
    "West Mercia",
)

OFFENCE_CATEGORIES = (
    "Violence",
    "Sexual",
    "Robbery",
    "Burglary",
    "Theft",
    "Fraud",
    "Criminal damage",
    "Drugs",
    "Motoring",
    "Public order",
    "Other",
)

AGE_GROUPS = ("18-20", "21-24", "25-29", "30-39", "40-49", "50+")
