-- Journal lines: NetAmount positive for debits, negative for credits; every journal's lines sum to zero.
-- Rows left behind by a parent re-read with fewer lines are dropped (xero_line_staging).
{{ xero_line_staging('journal_lines', 'stg_xero__journals', ['JournalID', 'journal_id'], ['JournalNumber', 'journal_number'], [
    ['JournalLineID', 'journal_line_id', 'text'],
    ['JournalDate', 'journal_date', 'date'],
    ['SourceType', 'source_type', 'text'],
    ['SourceID', 'source_id', 'text'],
    ['AccountID', 'account_id', 'text'],
    ['AccountCode', 'account_code', 'text'],
    ['AccountType', 'account_type', 'text'],
    ['AccountName', 'account_name', 'text'],
    ['Description', 'description', 'text'],
    ['NetAmount', 'net_amount', 'money'],
    ['GrossAmount', 'gross_amount', 'money'],
    ['TaxAmount', 'tax_amount', 'money'],
    ['TaxType', 'tax_type', 'text'],
    ['TaxName', 'tax_name', 'text'],
    ['TrackingCategories', 'tracking_categories', 'json']
]) }}
