"""target-xero: a Singer target that applies records to Xero."""
