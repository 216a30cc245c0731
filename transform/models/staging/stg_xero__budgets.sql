-- Budgets (lines as JSON).
{{ xero_staging('budgets', [
    ['BudgetID', 'budget_id', 'text'],
    ['Type', 'budget_type', 'text'],
    ['Description', 'description', 'text'],
    ['Status', 'status', 'text'],
    ['BudgetLines', 'budget_lines', 'json'],
    ['UpdatedDateUTC', 'updated_at', 'ts'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['BudgetID'], order_by='UpdatedDateUTC') }}
