"""What is written to and read from disk: the project document, atomic writes, templates
and the export formats."""
