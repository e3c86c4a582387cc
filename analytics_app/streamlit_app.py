"""Entry point: routes to the pages in `app_pages/` and does nothing else."""

import streamlit as st

st.set_page_config(page_title="Wealth Data Platform", layout="wide")

navigation = st.navigation(
    {
        "Product": [
            st.Page(
                "app_pages/clients_by_state.py",
                title="Clients by state",
                icon=":material/map:",
                url_path="clients-by-state",
                default=True,
            ),
        ],
    }
)
navigation.run()
