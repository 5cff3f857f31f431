"""Customer analytics: pure numpy/scipy, no Django.

Everything here takes arrays or data frames and returns arrays or data frames, so
it can be used as an analyst's tool on a transaction file with no database at all
(`clientela analytics ...`) and by the CRM's jobs that store scores.
"""
