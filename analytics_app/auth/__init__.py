"""Who is using the app: personas, the local user store, sign-in, database logins."""
