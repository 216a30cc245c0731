-- Payment services.
{{ xero_staging('payment_services', [
    ['PaymentServiceID', 'payment_service_id', 'text'],
    ['PaymentServiceName', 'payment_service_name', 'text'],
    ['PaymentServiceType', 'payment_service_type', 'text']
], key=['PaymentServiceID']) }}
