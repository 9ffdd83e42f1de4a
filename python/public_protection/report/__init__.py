"""The bulletin regenerated: an HTML report, an Excel workbook and CSVs (``build``)."""
