"""How the API and the command line show the calculation's results: its public strings, dates and JSON."""
