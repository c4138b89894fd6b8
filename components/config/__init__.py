"""Typed models of the stack settings, one module per config area (`ohmycoins:<area>`).

Only `components/settings.py` reads `pulumi.Config`; these modules only describe and check
what it read.
"""
