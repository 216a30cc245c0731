-- The organisation: base currency and financial year end.
{{ xero_staging('organisation', [
    ['OrganisationID', 'organisation_id', 'text'],
    ['Name', 'organisation_name', 'text'],
    ['LegalName', 'legal_name', 'text'],
    ['BaseCurrency', 'base_currency', 'text'],
    ['CountryCode', 'country_code', 'text'],
    ['FinancialYearEndDay', 'financial_year_end_day', 'int'],
    ['FinancialYearEndMonth', 'financial_year_end_month', 'int'],
    ['Timezone', 'timezone', 'text'],
    ['OrganisationType', 'organisation_type', 'text'],
    ['PeriodLockDate', 'period_lock_date', 'date'],
    ['EndOfYearLockDate', 'end_of_year_lock_date', 'date']
], key=['OrganisationID']) }}
