"""Tests for apishield.audit."""
