-- Currencies.
{{ xero_staging('currencies', [
    ['Code', 'currency_code', 'text'],
    ['Description', 'description', 'text']
], key=['Code']) }}
