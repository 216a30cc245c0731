-- Lines of manual journals (debits positive).
-- Rows left behind by a parent re-read with fewer lines are dropped (xero_line_staging).
{{ xero_line_staging('manual_journal_lines', 'stg_xero__manual_journals', ['ManualJournalID', 'manual_journal_id'], ['UpdatedDateUTC', 'updated_at'], [
    ['Description', 'description', 'text'],
    ['LineAmount', 'line_amount', 'money'],
    ['AccountCode', 'account_code', 'text'],
    ['AccountID', 'account_id', 'text'],
    ['TaxType', 'tax_type', 'text'],
    ['TaxAmount', 'tax_amount', 'money'],
    ['Tracking', 'tracking', 'json'],
    ['IsBlank', 'is_blank', 'bool']
]) }}
