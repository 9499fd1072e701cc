"""Print-on-demand hand-off: each paid line becomes a print job for the fulfilment provider."""
