-- Quotes.
{{ xero_staging('quotes', [
    ['QuoteID', 'quote_id', 'text'],
    ['QuoteNumber', 'quote_number', 'text'],
    ['Status', 'status', 'text'],
    ['Contact.ContactID', 'contact_id', 'text'],
    ['Contact.Name', 'contact_name', 'text'],
    ['Date', 'quote_date', 'date'],
    ['ExpiryDate', 'expiry_date', 'date'],
    ['Title', 'title', 'text'],
    ['CurrencyCode', 'currency_code', 'text'],
    ['SubTotal', 'sub_total', 'money'],
    ['TotalTax', 'total_tax', 'money'],
    ['Total', 'total', 'money'],
    ['UpdatedDateUTC', 'updated_at', 'ts'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['QuoteID'], order_by='UpdatedDateUTC') }}
