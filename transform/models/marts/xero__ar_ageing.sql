-- Aged receivables: every authorised sales invoice with an amount due, as at today.
{{ xero_ageing('ACCREC') }}
