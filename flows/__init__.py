"""When things happen: the Prefect flows and the command line."""
