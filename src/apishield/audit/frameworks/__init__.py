"""apishield package."""
