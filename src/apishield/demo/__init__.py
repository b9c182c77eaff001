"""``apishield demo``: audit and probe the vulnerable twins and the Secure Task API side by side."""
