-- Read-only access of the loader to the application database (the sandbox's
-- stand-in in the demo; in production the product team grants this on a replica).
-- Run connected to the `app` database as its administrator.
grant connect on database app to wdp_loader;
grant usage on schema public to wdp_loader;
grant select on all tables in schema public to wdp_loader;
