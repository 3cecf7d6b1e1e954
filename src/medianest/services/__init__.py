"""Use cases: transactions, authorization and the order of side effects."""
