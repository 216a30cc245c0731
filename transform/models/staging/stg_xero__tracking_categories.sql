-- Tracking categories (options as JSON).
{{ xero_staging('tracking_categories', [
    ['TrackingCategoryID', 'tracking_category_id', 'text'],
    ['Name', 'tracking_category_name', 'text'],
    ['Status', 'status', 'text'],
    ['Options', 'options', 'json'],
    ['_sdc_deleted_at', 'deleted_at', 'ts']
], key=['TrackingCategoryID']) }}
