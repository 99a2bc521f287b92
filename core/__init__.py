"""The base layer: settings, text helpers, errors, the capture contract and the version.

Every other package may import it; it imports no package of Vigie.
"""
