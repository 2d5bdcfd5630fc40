"""PDF output: context builders (plain values) and one safe WeasyPrint renderer."""
