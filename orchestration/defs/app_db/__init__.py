"""Assets that replicate the application database into `raw_app`."""
