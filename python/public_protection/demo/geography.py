"""Trusts, areas and inspections of ``docs/input-contract.md``."""

from __future__ import annotations

# The 35 probation trusts (written "<name> Probation Trust") and the code used in
# OMI2 case references.
TRUSTS: dict[str, str] = {
    "Avon and Somerset": "AVS",
    "Bedfordshire": "BED",
    "Cambridgeshire and Peterborough": "CAM",
    "Cheshire": "CHE",
    "Cumbria": "CUM",
    "Derbyshire": "DER",
    "Devon and Cornwall": "DEV",
    "Dorset": "DOR",
    "Durham Tees Valley": "DTV",
    "Essex": "ESS",
    "Gloucestershire": "GLO",
    "Greater Manchester": "GMA",
    "Hampshire": "HAM",
    "Hertfordshire": "HER",
    "Humberside": "HUM",
    "Kent": "KEN",
    "Lancashire": "LAN",
    "Leicestershire and Rutland": "LEI",
    "Lincolnshire": "LIN",
    "London": "LON",
    "Merseyside": "MER",
    "Norfolk and Suffolk": "NSU",
    "Northamptonshire": "NOR",
    "Northumbria": "NUM",
    "Nottinghamshire": "NOT",
    "South Yorkshire": "SYO",
    "Staffordshire and West Midlands": "SWM",
    "Surrey and Sussex": "SUS",
    "Thames Valley": "THV",
    "Wales": "WAL",
    "Warwickshire": "WAR",
    "West Mercia": "WME",
    "West Yorkshire": "WYO",
    "Wiltshire": "WIL",
    "York and North Yorkshire": "YNY",
}

# The 12 matched police force areas (Table 1) and the OMI2 trust each maps to.
AREA_TRUST: dict[str, str] = {
    "Cumbria": "Cumbria",
    "Derbyshire": "Derbyshire",
    "Durham": "Durham Tees Valley",
    "Gloucestershire": "Gloucestershire",
    "Greater Manchester": "Greater Manchester",
    "Kent": "Kent",
    "London": "London",
    "North Yorkshire": "York and North Yorkshire",
    "Northamptonshire": "Northamptonshire",
    "South Yorkshire": "South Yorkshire",
    "Staffordshire": "Staffordshire and West Midlands",
    "West Mercia": "West Mercia",
}


def trust_name(trust: str) -> str:
    return f"{trust} Probation Trust"


# The Q&I inspection register (bulletin Table A1): id -> (PCC area, year, month).
INSPECTIONS: dict[str, tuple[str, int, int]] = {
    "QI-2016-08-DUR": ("Durham", 2016, 8),
    "QI-2016-08-NYO": ("North Yorkshire", 2016, 8),
    "QI-2016-09-DER": ("Derbyshire", 2016, 9),
    "QI-2016-10-KEN": ("Kent", 2016, 10),
    "QI-2016-12-LON": ("London", 2016, 12),
    "QI-2017-01-STA": ("Staffordshire", 2017, 1),
    "QI-2017-02-GMA": ("Greater Manchester", 2017, 2),
    "QI-2017-04-GWE": ("Gwent", 2017, 4),
    "QI-2017-04-NOR": ("Northamptonshire", 2017, 4),
    "QI-2017-06-SYO": ("South Yorkshire", 2017, 6),
    "QI-2017-06-SUF": ("Suffolk", 2017, 6),
    "QI-2017-08-GLO": ("Gloucestershire", 2017, 8),
    "QI-2017-10-CUM": ("Cumbria", 2017, 10),
    "QI-2017-11-WME": ("West Mercia", 2017, 11),
    "QI-2018-01-LON": ("London", 2018, 1),
    "QI-2018-03-LON": ("London", 2018, 3),
}
SUPERSEDED_INSPECTIONS = ("QI-2016-12-LON",)


def sample_inspections(area: str) -> list[str]:
    """The inspections whose cases are in the comparison sample for an area."""
    return [
        inspection
        for inspection, (pcc, _, _) in INSPECTIONS.items()
        if pcc == area and inspection not in SUPERSEDED_INSPECTIONS
    ]
