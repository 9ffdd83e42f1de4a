"""The raw extract layout of ``docs/input-contract.md``, as code.

One place that names the files, sheets and columns each raw table is built
from, so the loader, the demo generator and the quality suites agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawTable:
    """One raw table: where its rows come from and which columns it must have."""

    name: str  # table name in the ``raw`` schema
    folder: str  # sub-folder of the landing folder
    extension: str  # file extension, lower case, with the dot
    sheet: str | None  # worksheet name for workbooks, None for CSV
    columns: tuple[str, ...]  # required columns, in the spec's order

    @property
    def qualified_name(self) -> str:
        return f"raw.{self.name}"


OMI2_JUDGEMENT_COLUMNS = ("RH05", "RH08", "RH09", "RH10", "RV03", "RV04", "DL12")
OMI2_UNMATCHED_COLUMNS = ("PL01", "PL04", "IN02")

OMI2_CASES = RawTable(
    name="omi2_cases",
    folder="omi2",
    extension=".csv",
    sheet=None,
    columns=(
        "CaseRef",
        "Trust",
        "InspectionMonth",
        "CRN",
        "Forename",
        "Surname",
        "DOB",
        "SentenceDate",
        "Sex",
        "EthnicCode",
        "SentenceType",
        "RoSH",
        "MAPPACategory",
        "MAPPALevel",
        "OffenceGroup",
        "DAPerpetrator",
        "IOM",
        "ChildProtection",
        *OMI2_JUDGEMENT_COLUMNS,
        *OMI2_UNMATCHED_COLUMNS,
        "InspectorComments",
    ),
)

QI_CASES = RawTable(
    name="qi_cases",
    folder="qi",
    extension=".xlsx",
    sheet="Cases",
    columns=(
        "Case ID",
        "Inspection ID",
        "PCC area",
        "Provider",
        "CRN",
        "Service user name",
        "Age",
        "Gender",
        "Ethnicity",
        "Sentence type",
        "RoSH",
        "MAPPA",
        "Offence category",
        "DA perpetrator",
        "IOM",
        "Child protection",
        "Notes",
    ),
)

QI_JUDGEMENTS = RawTable(
    name="qi_judgements",
    folder="qi",
    extension=".xlsx",
    sheet="Judgements",
    columns=("Case ID", "Question ref", "Answer", "Rationale"),
)

RAW_TABLES: tuple[RawTable, ...] = (OMI2_CASES, QI_CASES, QI_JUDGEMENTS)

# Provenance columns added to every raw table (warehouse contract, ``raw`` schema).
PROVENANCE_COLUMNS = ("_source_file", "_source_sha256", "_source_row", "_loaded_at")

# What each landing sub-folder may hold.
LANDING_FOLDERS = {"omi2": ".csv", "qi": ".xlsx"}

# The demo generator's record of what it wrote, at the landing folder's root.
DEMO_MANIFEST = "manifest.json"

QI_MATCHED_REFS = ("2.2", "2.5a", "2.5b", "2.5c", "4.3", "4.4", "5.1")
QI_UNMATCHED_REFS = ("3.1", "3.2", "5.4")

OMI2_ENCODING = "cp1252"
