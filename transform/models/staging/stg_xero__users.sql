-- Users (email left out).
{{ xero_staging('users', [
    ['UserID', 'user_id', 'text'],
    ['FirstName', 'first_name', 'text'],
    ['LastName', 'last_name', 'text'],
    ['OrganisationRole', 'organisation_role', 'text'],
    ['IsSubscriber', 'is_subscriber', 'bool'],
    ['UpdatedDateUTC', 'updated_at', 'ts']
], key=['UserID'], order_by='UpdatedDateUTC') }}
