-- Branding themes.
{{ xero_staging('branding_themes', [
    ['BrandingThemeID', 'branding_theme_id', 'text'],
    ['Name', 'branding_theme_name', 'text'],
    ['Type', 'branding_theme_type', 'text'],
    ['SortOrder', 'sort_order', 'int']
], key=['BrandingThemeID']) }}
