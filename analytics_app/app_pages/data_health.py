"""Engineers' page: last loads, freshness, failed data-quality checks, quarantine."""

import json

import pandas as pd
import streamlit as st

from analytics_app.auth.personas import Persona
from analytics_app.auth.session import require_persona, wdp_home
from analytics_app.queries.analytics import load_runs, quarantine_counts, source_freshness
from analytics_app.queries.connections import DataUnavailable

user = require_persona(Persona.ENGINEER)
st.title("Data health")


def latest_validations() -> pd.DataFrame:
    """The newest kept Great Expectations result of each suite (`WDP_HOME/gx`).

    Only suite, time and the failed expectations' types and columns are shown,
    never unexpected values (they could be client data).
    """
    rows = []
    for suite_folder in sorted((wdp_home() / "gx" / "validations").glob("*")):
        results = sorted(suite_folder.glob("*.json"))
        if not results:
            continue
        result = json.loads(results[-1].read_text())
        failed = [
            f"{item['expectation_config'].get('type', '?')}"
            f"({item['expectation_config'].get('kwargs', {}).get('column', '')})"
            for item in result.get("results", [])
            if not item.get("success")
        ]
        rows.append(
            {
                "suite": suite_folder.name,
                "validated_at": results[-1].stem,
                "passed": bool(result.get("success")),
                "failed_expectations": ", ".join(failed),
            }
        )
    return pd.DataFrame(rows, columns=["suite", "validated_at", "passed", "failed_expectations"])


try:
    runs = load_runs(user)
    freshness = source_freshness(user)
    quarantine = quarantine_counts(user)
except DataUnavailable as problem:
    st.info(str(problem))
    st.stop()
validations = latest_validations()

columns = st.columns(4)
columns[0].metric("Loads (last 100)", f"{len(runs):,}")
columns[1].metric("Failed loads", f"{int((runs['load_status'] == 'failed').sum()):,}")
columns[2].metric("Failing suites", f"{int((~validations['passed']).sum()):,}")
columns[3].metric("Quarantined", f"{int(quarantine['quarantined_count'].sum()):,}")

st.subheader("Freshness per source")
st.dataframe(freshness, hide_index=True)
st.subheader("Failed checks")
failing = validations[~validations["passed"]]
if failing.empty:
    st.success(f"All {len(validations)} suites passed their latest validation.")
else:
    st.dataframe(failing, hide_index=True)
st.subheader("Quarantine")
st.dataframe(quarantine, hide_index=True)
st.subheader("Last loads")
st.dataframe(runs, hide_index=True)
