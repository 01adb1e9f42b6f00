"""The KLO rules: one module per rule, registered in `registry`."""
