"""Tests of the national document axis connector."""
