-- Fixed assets (Assets API).
{{ xero_staging('assets', [
    ['assetId', 'asset_id', 'text'],
    ['assetName', 'asset_name', 'text'],
    ['assetNumber', 'asset_number', 'text'],
    ['assetStatus', 'asset_status', 'text'],
    ['assetTypeId', 'asset_type_id', 'text'],
    ['purchaseDate', 'purchase_date', 'date'],
    ['purchasePrice', 'purchase_price', 'money'],
    ['disposalDate', 'disposal_date', 'date'],
    ['accountingBookValue', 'accounting_book_value', 'money']
], key=['assetId']) }}
