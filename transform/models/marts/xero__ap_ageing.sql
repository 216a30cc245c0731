-- Aged payables: every authorised bill with an amount due, as at today.
{{ xero_ageing('ACCPAY') }}
