-- type_zoo_pg.sql - a PostgreSQL "type zoo" built from the server's own
-- pg_type at test time (tests/integration/cases_profile.sh): one column of
-- every base type the server reports that can be a column, arrays and
-- domains over them (and a domain over a domain), enums, composites,
-- every range and multirange type, and a 1,600-column table (the most a
-- PostgreSQL table may have). Which types can be columns comes from the
-- catalog: defined (typisdefined), not pseudo (typtype 'p') and not the
-- unknown category ('X'), not a table's row type (typrelid 0), and not a
-- shell for internal use that CREATE TABLE refuses (tried, skipped with a
-- NOTICE that the test counts). Each column gets a value where one of a
-- few literals parses as the type, so min/max/distinct see data.
SET client_min_messages = notice;
CREATE TYPE zoo_mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE zoo_pair AS (x int, y text);
CREATE DOMAIN zoo_d_int AS int CHECK (VALUE > 0);
CREATE DOMAIN zoo_d_d AS zoo_d_int;
CREATE DOMAIN zoo_d_bool AS boolean;
CREATE DOMAIN zoo_d_uuid AS uuid;

CREATE FUNCTION zoo_fill(tab text, col text, typ text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	lits text[] := ARRAY['1', 't', '2020-01-02', '2020-01-02 03:04:05',
		'03:04:05', '1 day', 'a', '{1,2}', '{a,b}', '{}', '(1,2)',
		'((1,2),(3,4))', '<1,2,3>', '{1,2,3}', '[1,5)', '{[1,5)}',
		'<a>x</a>', '{"a": 1}', '10.0.0.1', '08:00:2b:01:02:03',
		'08:00:2b:01:02:03:04:05', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
		'101', 'fat & rat', 'fat:1 rat:2', '0/16B3748', '1:1:',
		'(1,ab)', 'sad', '$.a', '1 2', '(0,1)', '=r/postgres',
		'english', 'pg_catalog', 'int4', 'pg_class', 'now', '+', 'oid',
		'sum(int4)', 'simple', 'plpgsql', '10:20:10,14,15', '1,2'];
	l text;
	n int := 0;
BEGIN
	FOREACH l IN ARRAY lits LOOP
		BEGIN
			EXECUTE format('UPDATE %I SET %I = %L::%s WHERE k = %s',
				tab, col, l, typ, n % 2 + 1);
			n := n + 1;
			EXIT WHEN n = 2;
		EXCEPTION WHEN OTHERS THEN NULL;
		END;
	END LOOP;
END $$;

DO $$
DECLARE
	r record;
	made int := 0;
	skipped int := 0;
BEGIN
	CREATE TABLE zoo_base (k int);
	CREATE TABLE zoo_array (k int);
	CREATE TABLE zoo_domain (k int);
	FOR r IN SELECT t.oid, format_type(t.oid, NULL) AS ft,
			t.typarray, t.typname
		 FROM pg_type t
		 WHERE t.typtype = 'b' AND t.typisdefined AND
		       t.typcategory NOT IN ('P', 'X') AND t.typrelid = 0 AND
		       t.typnamespace = 'pg_catalog'::regnamespace AND
		       NOT (t.typcategory = 'A' AND t.typelem <> 0)
		 ORDER BY t.typname
	LOOP
		BEGIN
			EXECUTE format('ALTER TABLE zoo_base ADD COLUMN %I %s',
				'c_' || r.typname, r.ft);
			made := made + 1;
		EXCEPTION WHEN OTHERS THEN
			RAISE NOTICE 'zoo: skipped type %: %', r.ft, SQLERRM;
			skipped := skipped + 1;
			CONTINUE;
		END;
		IF r.typarray <> 0 THEN
			EXECUTE format('ALTER TABLE zoo_array ADD COLUMN %I %s',
				'a_' || r.typname, format_type(r.typarray, NULL));
		END IF;
		BEGIN
			EXECUTE format('CREATE DOMAIN %I AS %s',
				'zoo_dom_' || r.typname, r.ft);
			EXECUTE format('ALTER TABLE zoo_domain ADD COLUMN %I %I',
				'd_' || r.typname, 'zoo_dom_' || r.typname);
		EXCEPTION WHEN OTHERS THEN
			RAISE NOTICE 'zoo: no domain over %: %', r.ft, SQLERRM;
		END;
	END LOOP;
	RAISE NOTICE 'zoo: % base types as columns, % skipped', made, skipped;
	CREATE TABLE zoo_misc (k int, mood zoo_mood, moods zoo_mood[],
		pair zoo_pair, pairs zoo_pair[], dd zoo_d_d, dds zoo_d_d[],
		db zoo_d_bool, du zoo_d_uuid, dus zoo_d_uuid[]);
	FOR r IN SELECT t.oid, format_type(t.oid, NULL) AS ft, t.typname
		 FROM pg_type t WHERE t.typtype IN ('r', 'm') ORDER BY t.typname
	LOOP
		EXECUTE format('ALTER TABLE zoo_misc ADD COLUMN %I %s',
			'r_' || r.typname, r.ft);
	END LOOP;
	INSERT INTO zoo_base (k) VALUES (1), (2), (3);
	INSERT INTO zoo_array (k) VALUES (1), (2), (3);
	INSERT INTO zoo_domain (k) VALUES (1), (2), (3);
	INSERT INTO zoo_misc (k) VALUES (1), (2), (3);
	FOR r IN SELECT c.relname, a.attname,
			format_type(a.atttypid, a.atttypmod) AS ft
		 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		 WHERE c.relname IN ('zoo_base', 'zoo_array', 'zoo_domain',
				     'zoo_misc') AND a.attnum > 1 AND
		       NOT a.attisdropped
	LOOP
		PERFORM zoo_fill(r.relname, r.attname, r.ft);
	END LOOP;
	-- the widest table PostgreSQL allows, with types that need care
	CREATE TABLE zoo_wide (k int);
	FOR i IN 2..1600 LOOP
		EXECUTE format('ALTER TABLE zoo_wide ADD COLUMN %I %s',
			'w' || i, (ARRAY['int', 'text', 'uuid', 'boolean', 'json',
				'jsonb', 'point', 'int4range', 'zoo_d_bool',
				'xml'])[i % 10 + 1]);
	END LOOP;
	INSERT INTO zoo_wide (k) VALUES (1), (2);
END $$;
UPDATE zoo_wide SET w10 = k, w11 = 'x' || k, w12 = gen_random_uuid(),
	w13 = k = 1, w14 = '{"a":1}', w15 = '{"b":2}';
DROP FUNCTION zoo_fill(text, text, text);
