"""Pure logic: rules in, findings and fixes out. No I/O, no clock, no network."""
