"""The personnel register: views built from the decided declarations."""
