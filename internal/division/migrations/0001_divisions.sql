-- Statistical division codes (统计用区划代码). Codes keep their natural
-- length per level: province 2, city 4, county 6, township 9, village 12
-- digits, so a code's ancestors are its prefixes. year is the year of the
-- code list the row comes from: codes are withdrawn and renumbered yearly.
CREATE TABLE divisions (
	code TEXT PRIMARY KEY,
	parent_code TEXT NOT NULL DEFAULT '',  -- '' for provinces
	level TEXT NOT NULL,                   -- province, city, county, township, village
	name TEXT NOT NULL,
	kind TEXT NOT NULL DEFAULT '',         -- street/town/township/township_unit; residents/villagers
	year INTEGER NOT NULL
);
-- (parent_code, code) serves "children ordered by code" without a sort.
CREATE INDEX divisions_parent ON divisions (parent_code, code);
