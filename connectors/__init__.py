"""The only code that talks to the outside world: Salesforce, SMTP, the ledger database."""
