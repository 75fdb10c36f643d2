"""Tests of e-mail notifications."""
