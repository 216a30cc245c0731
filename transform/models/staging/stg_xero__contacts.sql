-- Customers and suppliers.
{{ xero_staging('contacts', [
    ['ContactID', 'contact_id', 'text'],
    ['Name', 'contact_name', 'text'],
    ['ContactNumber', 'contact_number', 'text'],
    ['AccountNumber', 'account_number', 'text'],
    ['ContactStatus', 'contact_status', 'text'],
    ['FirstName', 'first_name', 'text'],
    ['LastName', 'last_name', 'text'],
    ['IsCustomer', 'is_customer', 'bool'],
    ['IsSupplier', 'is_supplier', 'bool'],
    ['DefaultCurrency', 'default_currency', 'text'],
    ['UpdatedDateUTC', 'updated_at', 'ts']
], key=['ContactID'], order_by='UpdatedDateUTC') }}
