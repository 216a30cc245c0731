-- Tasks of projects (Projects API).
{{ xero_staging('project_tasks', [
    ['taskId', 'task_id', 'text'],
    ['projectId', 'project_id', 'text'],
    ['name', 'task_name', 'text'],
    ['status', 'status', 'text'],
    ['chargeType', 'charge_type', 'text'],
    ['estimateMinutes', 'estimate_minutes', 'int'],
    ['totalMinutes', 'total_minutes', 'int']
], key=['taskId']) }}
