-- Purchase orders.
{{ xero_staging('purchase_orders', [
    ['PurchaseOrderID', 'purchase_order_id', 'text'],
    ['PurchaseOrderNumber', 'purchase_order_number', 'text'],
    ['Status', 'status', 'text'],
    ['Contact.ContactID', 'contact_id', 'text'],
    ['Contact.Name', 'contact_name', 'text'],
    ['Date', 'purchase_order_date', 'date'],
    ['DeliveryDate', 'delivery_date', 'date'],
    ['Reference', 'reference', 'text'],
    ['CurrencyCode', 'currency_code', 'text'],
    ['SubTotal', 'sub_total', 'money'],
    ['TotalTax', 'total_tax', 'money'],
    ['Total', 'total', 'money'],
    ['UpdatedDateUTC', 'updated_at', 'ts'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['PurchaseOrderID'], order_by='UpdatedDateUTC') }}
