"""Ranking evaluation: metrics, evaluation sets and the MELO benchmark."""
