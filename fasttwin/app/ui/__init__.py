"""The Streamlit layer: one thin module per page; :func:`main` builds the navigation."""
