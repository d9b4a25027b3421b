package roster

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"regexp"
	"strings"

	"github.com/xuri/excelize/v2"
)

// mergeRange is a merged range of cells, 1-based and inclusive: its
// value is in its top-left cell.
type mergeRange struct {
	top, left, bottom, right int
}

// vertical reports whether the range spans more than one row.
func (m mergeRange) vertical() bool { return m.bottom > m.top }

// mergeChunk is how much of the sheet is scanned at a time.
var mergeChunk = 1 << 20

var mergeCellRe = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+:[A-Za-z]+[0-9]+)"`)

// firstSheetMerges lists the merged ranges of the workbook's first
// sheet, read from the zip without loading the sheet (a large sheet is
// only scanned, in pieces); nil when they cannot be found.
func firstSheetMerges(data []byte) []mergeRange {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[strings.TrimPrefix(f.Name, "/")] = f
	}
	var wb struct {
		Sheets []struct {
			ID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if decodeEntry(files["xl/workbook.xml"], &wb) != nil || len(wb.Sheets) == 0 ||
		decodeEntry(files["xl/_rels/workbook.xml.rels"], &rels) != nil {
		return nil
	}
	var target string
	for _, r := range rels.Rels {
		if r.ID == wb.Sheets[0].ID {
			target = r.Target
		}
	}
	if target == "" {
		return nil
	}
	if strings.HasPrefix(target, "/") {
		target = strings.TrimPrefix(target, "/")
	} else {
		target = path.Join("xl", target)
	}
	f := files[target]
	if f == nil {
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	var out []mergeRange
	const overlap = 256
	buf := make([]byte, 0, mergeChunk+overlap)
	chunk := make([]byte, mergeChunk)
	for {
		n, err := rc.Read(chunk)
		buf = append(buf, chunk[:n]...)
		end := len(buf)
		if err == nil && end > overlap {
			end -= overlap // a tag cut in two is read with the next piece
		}
		if err == nil && end == len(buf) {
			continue
		}
		// Tags wholly before end; a match reaching beyond it waits.
		keep := end
		var found [][]int
		if bytes.Contains(buf, []byte("mergeCell")) {
			found = mergeCellRe.FindAllSubmatchIndex(buf, -1)
		}
		for _, m := range found {
			if m[1] > end && err == nil {
				keep = min(keep, m[0])
				break
			}
			if r, ok := parseRange(string(buf[m[2]:m[3]])); ok {
				out = append(out, r)
			}
			keep = max(keep, m[1])
		}
		if err != nil {
			return out
		}
		buf = append(buf[:0], buf[keep:]...)
	}
}

func decodeEntry(f *zip.File, v any) error {
	if f == nil {
		return io.ErrUnexpectedEOF
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(v)
}

func parseRange(ref string) (mergeRange, bool) {
	a, b, _ := strings.Cut(ref, ":")
	l, t, err1 := excelize.CellNameToCoordinates(a)
	r, btm, err2 := excelize.CellNameToCoordinates(b)
	if err1 != nil || err2 != nil {
		return mergeRange{}, false
	}
	return mergeRange{top: min(t, btm), left: min(l, r), bottom: max(t, btm), right: max(l, r)}, true
}
