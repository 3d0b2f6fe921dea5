"""Inventory: extractors that turn files into packages, and the runner that drives them."""
