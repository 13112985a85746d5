"""Normalisers: each module turns one kind of raw Salesforce value into a comparable form.

They are pure functions of their input (plus shipped reference data), cached per distinct value
because CRM columns repeat the same first names, cities and companies many times over.
"""
