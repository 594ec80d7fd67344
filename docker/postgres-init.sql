-- The second of Temporal's two databases (the image creates POSTGRES_DB, `temporal`);
-- as src/topology/postgres.ts creates both for the tested topology.
CREATE DATABASE temporal_visibility OWNER temporal;
