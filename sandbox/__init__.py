"""A local Salesforce-compatible org over HTTP, backed by SQLite.

For the demo, the tests and offline rehearsal. flows/, connectors/ and engine/ never import it;
the command line reaches it through the ``weeder.commands`` entry point.
"""
