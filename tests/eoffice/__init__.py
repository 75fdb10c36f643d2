"""Tests of the eoffice package."""
