"""tap-xero: a Singer tap for every Xero resource."""
