"""Tests of login, tokens and the policy."""
