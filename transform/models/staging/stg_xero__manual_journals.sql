-- Manual journals.
{{ xero_staging('manual_journals', [
    ['ManualJournalID', 'manual_journal_id', 'text'],
    ['Narration', 'narration', 'text'],
    ['Date', 'manual_journal_date', 'date'],
    ['Status', 'status', 'text'],
    ['LineAmountTypes', 'line_amount_types', 'text'],
    ['ShowOnCashBasisReports', 'show_on_cash_basis_reports', 'bool'],
    ['UpdatedDateUTC', 'updated_at', 'ts'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['ManualJournalID'], order_by='UpdatedDateUTC') }}
