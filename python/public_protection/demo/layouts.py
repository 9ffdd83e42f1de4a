"""The landing layout's tables and columns the demo generator writes, by name.

The layout itself is data (``config/landing/``); the generator writes the two
programmes the bulletin compares, so it names them here, in one place.
"""

from __future__ import annotations

from public_protection.layout import raw_table

OMI2_CASES = raw_table("omi2_cases")
QI_CASES = raw_table("qi_cases")
QI_JUDGEMENTS = raw_table("qi_judgements")
OMI2_ENCODING = OMI2_CASES.encoding

# The source columns and question refs of the harmonised questions, in question order
# (seeds/question_sources.csv), and the ones outside the bulletin's seven.
OMI2_JUDGEMENT_COLUMNS = ("RH05", "RH08", "RH09", "RH10", "RV03", "RV04", "DL12")
OMI2_UNMATCHED_COLUMNS = ("PL01", "PL04", "IN02")
QI_MATCHED_REFS = ("2.2", "2.5a", "2.5b", "2.5c", "4.3", "4.4", "5.1")
QI_UNMATCHED_REFS = ("3.1", "3.2", "5.4")
