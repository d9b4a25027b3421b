-- One known plaintext sealed with each data key (key_id N), and the blind
-- index of a known value (key_id 0). A start with a key file that does not
-- open these is refused: a restore without its key would otherwise run
-- with records nobody can read and an index that finds nothing.
CREATE TABLE key_checks (
	key_id INTEGER PRIMARY KEY,
	value TEXT NOT NULL,
	created_at TEXT NOT NULL
);
