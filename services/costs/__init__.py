"""Costs: the price catalog and its sources, estimates, the ledger, the monthly budget, the idle guard."""
