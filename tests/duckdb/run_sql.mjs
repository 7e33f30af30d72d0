// run_sql.mjs - runs SQL statements on a real DuckDB (the npm package
// @duckdb/node-api, installed by tests/duckdb/duckdb.sh) for the tests
// of metagen's DuckDB dialect: DuckDB has no ODBC driver on Debian, so
// the SQL the library writes is run through this bridge instead.
//
//   node run_sql.mjs DATABASE < statements
//
// DATABASE is a file path or ":memory:". Standard input holds statements
// separated by NUL bytes (statement text may hold newlines and quotes;
// a C string never holds NUL; the last may end at end of input), in
// UTF-8. Each runs on one connection, in order, as soon as it has
// arrived, and prints one JSON line to standard output:
//   {"columns": [names], "types": [DuckDB type names], "rows": [[values]]}
//   {"error": "DuckDB's message"}
// Values are @duckdb/node-api's JSON form (getRowsJson): strings as
// they are stored, NULL as null, numbers that JSON cannot hold exactly
// (BIGINT, HUGEINT) as decimal strings. A failed statement does not stop
// the ones after it. Exit status: 0 every statement ran, 1 one failed,
// 2 the engine could not be loaded or the database opened.
import { DuckDBInstance } from '@duckdb/node-api';

const decoder = new TextDecoder('utf-8', { fatal: true });

// Runs one statement's bytes; returns its JSON line's object, or null
// when they hold only white space.
async function run(con, bytes) {
	let text;
	try {
		text = decoder.decode(bytes);
	} catch (e) {
		return { error: `statement is not UTF-8: ${e.message}` };
	}
	if (text.trim() === '')
		return null;
	try {
		const r = await con.runAndReadAll(text);
		return {
			columns: r.columnNames(),
			types: r.columnTypes().map((t) => t.toString()),
			rows: r.getRowsJson(),
		};
	} catch (e) {
		return { error: String(e.message) };
	}
}

async function main() {
	if (process.argv.length !== 3) {
		process.stderr.write('usage: node run_sql.mjs DATABASE < statements\n');
		return 2;
	}
	const db = await DuckDBInstance.create(process.argv[2]);
	const con = await db.connect();
	let rc = 0;
	let pending = Buffer.alloc(0);
	const one = async (bytes) => {
		const line = await run(con, bytes);
		if (line === null)
			return;
		if (line.error !== undefined)
			rc = 1;
		process.stdout.write(JSON.stringify(line) + '\n');
	};
	// each statement runs as soon as its NUL arrives, so a caller can
	// send one, read its line, then send the next
	for await (const chunk of process.stdin) {
		pending = Buffer.concat([pending, chunk]);
		let z;
		while ((z = pending.indexOf(0)) >= 0) {
			const bytes = pending.subarray(0, z);
			pending = pending.subarray(z + 1);
			await one(bytes);
		}
	}
	await one(pending);
	con.closeSync();
	db.closeSync();
	return rc;
}

main().then(
	(rc) => { process.exitCode = rc; },
	(e) => {
		process.stderr.write(`run_sql: ${e.message}\n`);
		process.exitCode = 2;
	});
