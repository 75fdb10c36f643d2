"""Two e-office deployments, one database each, exchange documents through the mock axis over HTTP.

Agency A issues a document with a PDF to agency B; each server's own axis worker sends, takes and
reports; people act only through each server's API. Then the same with an axis that fails 30 % of
the calls, hangs on some, and restarts once in the middle.
"""
