{#- The balance-sheet identity, row by row, to the cent: the asset columns sum
    to total_assets, the liability columns to total_liabilities, and
    total_assets − total_liabilities = net worth. Columns left out of
    asset_columns (unvested equity) are thereby proven not counted. Fails with
    every row where one of the three equations does not hold. -#}
{% test accounting_identity_holds(
    model, asset_columns, liability_columns,
    total_assets_column='total_assets_usd',
    total_liabilities_column='total_liabilities_usd',
    net_worth_column='net_worth_usd'
) %}

select *
from {{ model }}
where
    {{ total_assets_column }} is distinct from ({{ asset_columns | join(' + ') }})
    or {{ total_liabilities_column }} is distinct from ({{ liability_columns | join(' + ') }})
    or {{ net_worth_column }} is distinct from
        ({{ total_assets_column }} - {{ total_liabilities_column }})

{% endtest %}
