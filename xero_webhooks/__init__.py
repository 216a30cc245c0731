"""xero-webhooks: receive Xero's signed webhook events and run a sync, debounced per tenant."""
