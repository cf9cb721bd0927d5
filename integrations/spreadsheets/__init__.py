"""Spreadsheets in and out: `reading` opens a workbook or CSV someone uploaded, safely;
`writing` builds the workbooks people open (frozen headers, filters, real dates, no formulas)."""
