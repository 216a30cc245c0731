"""xero-sandbox: a local emulator of the Xero API with generated demo organisations."""
