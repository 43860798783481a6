-- Keycloak's own database, for compose's `sso` profile. Runs once, when the PostgreSQL volume is
-- first initialised; an unused empty database costs nothing when the profile is off.
CREATE DATABASE keycloak;
