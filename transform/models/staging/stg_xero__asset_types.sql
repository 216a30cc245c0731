-- Fixed asset types (Assets API).
{{ xero_staging('asset_types', [
    ['assetTypeId', 'asset_type_id', 'text'],
    ['assetTypeName', 'asset_type_name', 'text'],
    ['fixedAssetAccountId', 'fixed_asset_account_id', 'text'],
    ['depreciationExpenseAccountId', 'depreciation_expense_account_id', 'text'],
    ['accumulatedDepreciationAccountId', 'accumulated_depreciation_account_id', 'text']
], key=['assetTypeId']) }}
