-- Time entries of projects (Projects API).
{{ xero_staging('project_time_entries', [
    ['timeEntryId', 'time_entry_id', 'text'],
    ['projectId', 'project_id', 'text'],
    ['taskId', 'task_id', 'text'],
    ['userId', 'user_id', 'text'],
    ['dateUtc', 'entry_at', 'ts'],
    ['duration', 'duration_minutes', 'int'],
    ['description', 'description', 'text'],
    ['status', 'status', 'text']
], key=['timeEntryId']) }}
