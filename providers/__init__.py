"""Image providers: plain Python, no Django models.

A provider takes image bytes plus parameters and returns image bytes. The Django apps pick one
through the registry (``providers.registry``) and never touch an SDK directly.
"""
