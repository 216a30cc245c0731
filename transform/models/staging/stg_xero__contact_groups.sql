-- Contact groups.
{{ xero_staging('contact_groups', [
    ['ContactGroupID', 'contact_group_id', 'text'],
    ['Name', 'contact_group_name', 'text'],
    ['Status', 'status', 'text'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['ContactGroupID']) }}
