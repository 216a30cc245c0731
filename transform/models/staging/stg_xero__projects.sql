-- Projects (Projects API).
{{ xero_staging('projects', [
    ['projectId', 'project_id', 'text'],
    ['name', 'project_name', 'text'],
    ['contactId', 'contact_id', 'text'],
    ['status', 'status', 'text'],
    ['currencyCode', 'currency_code', 'text'],
    ['deadlineUtc', 'deadline_at', 'ts'],
    ['estimateAmount', 'estimate_amount', 'money'],
    ['totalInvoiced', 'total_invoiced', 'money']
], key=['projectId']) }}
