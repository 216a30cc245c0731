-- One row per account and tenant: code, name, type and class (ASSET, LIABILITY, EQUITY, REVENUE, EXPENSE).
{{ xero_staging('accounts', [
    ['AccountID', 'account_id', 'text'],
    ['Code', 'account_code', 'text'],
    ['Name', 'account_name', 'text'],
    ['Type', 'account_type', 'text'],
    ['Class', 'account_class', 'text'],
    ['Status', 'status', 'text'],
    ['SystemAccount', 'system_account', 'text'],
    ['TaxType', 'tax_type', 'text'],
    ['CurrencyCode', 'currency_code', 'text'],
    ['ReportingCode', 'reporting_code', 'text'],
    ['Description', 'description', 'text'],
    ['UpdatedDateUTC', 'updated_at', 'ts'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['AccountID'], order_by='UpdatedDateUTC') }}
