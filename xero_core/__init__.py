"""The one place that knows Xero: endpoints, dates, JSON, errors, auth, limits and HTTP.

Used by tap_xero, target_xero and xero_sandbox alike.
"""
