"""Tests of agencies, units and users."""
