"""Candidate matching: dense and lexical scores, fusion with the referential structure."""
