-- Products and services.
{{ xero_staging('items', [
    ['ItemID', 'item_id', 'text'],
    ['Code', 'item_code', 'text'],
    ['Name', 'item_name', 'text'],
    ['Description', 'description', 'text'],
    ['IsSold', 'is_sold', 'bool'],
    ['IsPurchased', 'is_purchased', 'bool'],
    ['IsTrackedAsInventory', 'is_tracked_as_inventory', 'bool'],
    ['QuantityOnHand', 'quantity_on_hand', 'number'],
    ['TotalCostPool', 'total_cost_pool', 'money'],
    ['UpdatedDateUTC', 'updated_at', 'ts'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['ItemID'], order_by='UpdatedDateUTC') }}
