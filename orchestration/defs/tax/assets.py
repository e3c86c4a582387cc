"""`intermediate/client_tax_figures`: Tax-Calculator figures per client (DESIGN §7).

Sits between two dbt steps: it reads the `fct_client_tax_profile` mart and is
read by the opportunity models as the dbt source `tax.client_tax_figures`
(orchestration/defs/dbt/assets.py splits the dbt models around it). The work is
in `client_tax_figures.py` and the pure `tax_calculator.py`.
"""

import dagster as dg

from orchestration.defs.tax.client_tax_figures import refresh_client_tax_figures
from orchestration.resources import KeyringResource, WarehouseResource
from privacy import EnvelopeCipher


@dg.asset(
    key=["intermediate", "client_tax_figures"],
    deps=[dg.AssetKey(["marts", "fct_client_tax_profile"]), dg.AssetKey(["raw_app", "clients"])],
    group_name="tax",
    kinds={"python", "postgres"},
    description=(
        "Federal income tax, AMT, marginal ordinary and long-term gain rates, the AMT "
        "crossover for ISO exercises and the 22% bracket top per client and tax year, "
        "computed by Tax-Calculator (taxcalc) from fct_client_tax_profile."
    ),
)
def client_tax_figures(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, keyring: KeyringResource
) -> dg.MaterializeResult:
    connection = warehouse.connect("wdp_transformer")
    try:
        written = refresh_client_tax_figures(connection, EnvelopeCipher(keyring.load()))
    finally:
        connection.close()
    context.log.info(f"intermediate.client_tax_figures: {written} client tax years computed")
    return dg.MaterializeResult(metadata={"rows": dg.MetadataValue.int(written)})


defs = dg.Definitions(assets=[client_tax_figures])
