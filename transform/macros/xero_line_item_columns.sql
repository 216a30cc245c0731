{# The columns of a Xero LineItem, shared by every *_line_items staging view:
   [source column, staged name, kind], as xero_staging / xero_line_staging take them. #}
{% macro xero_line_item_columns() -%}
{{ return([
    ['LineItemID', 'line_item_id', 'text'],
    ['Description', 'description', 'text'],
    ['Quantity', 'quantity', 'number'],
    ['UnitAmount', 'unit_amount', 'number'],
    ['ItemCode', 'item_code', 'text'],
    ['AccountCode', 'account_code', 'text'],
    ['AccountID', 'account_id', 'text'],
    ['TaxType', 'tax_type', 'text'],
    ['TaxAmount', 'tax_amount', 'money'],
    ['LineAmount', 'line_amount', 'money'],
    ['DiscountRate', 'discount_rate', 'number'],
    ['Tracking', 'tracking', 'json']
]) }}
{%- endmacro %}
