"""The authorisation matrix: every API route × every role × own agency / other agency / confidential.

What each role may do is not typed here: it is asked of the permission rules themselves
(`eoffice.auth.policy` for the platform, `eoffice.documents.policy` for documents,
`eoffice.records.policy` for records, `meetings.policy` for meetings), so the matrix checks that every
route applies the rule it should. Each feature's routes have their module here (test_platform.py,
test_documents.py, test_records.py, test_meetings.py); a route added without an entry in one of them
fails `test_routes.py::test_every_api_route_has_an_entry_in_the_matrix`.

It runs on SQLite only: the decisions are taken in Python by the same rules on either database,
and the SQL form of document visibility is run on both by the documents' own tests; a world built
once (conftest.py) and restored by SQLite's backup API keeps its ~1,500 probes fast and independent
of their order.
"""
