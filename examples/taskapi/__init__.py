"""The apishield reference Secure Task API (Flask): see docs/demo.md and app.py."""
