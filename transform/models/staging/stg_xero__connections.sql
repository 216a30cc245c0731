-- The tenants the token can read (Xero's connections).
{{ xero_staging('connections', [
    ['tenantId', 'connection_tenant_id', 'text'],
    ['id', 'connection_id', 'text'],
    ['tenantName', 'tenant_name', 'text'],
    ['tenantType', 'tenant_type', 'text'],
    ['createdDateUtc', 'created_at', 'ts']
], key=['tenantId']) }}
