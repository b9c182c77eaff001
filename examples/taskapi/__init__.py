"""The apishield reference Secure Task API (Flask): see the README's "The demo" section and app.py."""
