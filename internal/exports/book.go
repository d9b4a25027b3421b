// Package exports writes ledger exports that stream: rows go into an
// Excel workbook one by one (excelize's StreamWriter, spilling to
// temporary files), the finished workbook is written straight to a file
// rather than assembled in memory, and a ledger longer than a sheet
// continues on further sheets with the header repeated. It also runs
// large exports as background jobs (jobs.go) whose files are sealed in
// the data folder and kept for 24 hours.
package exports

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/xuri/excelize/v2"
)

// SheetRows is the most rows, the header included, one sheet holds:
// Excel's limit (1,048,576). Tests lower it to exercise continuation.
var SheetRows = excelize.TotalRows

// TempDir is where workbooks being built spill their rows and spools
// are kept ("" = the system's temporary folder). The app sets it to a
// folder of the data folder: a full export's rows are personal data.
var TempDir = ""

// Book is a workbook being streamed. Add rows with Add, then WriteTo a
// file (or Spool); Close releases its temporary files in every case.
// Not safe for concurrent use.
type Book struct {
	f      *excelize.File
	sw     *excelize.StreamWriter
	name   string
	header []any
	widths []Width
	sheets int
	row    int // rows written on the current sheet, header included
	rows   int // data rows in all
}

// Width is a column width (1-based columns, Excel character units).
type Width struct {
	From, To int
	Width    float64
}

// NewBook starts a workbook whose first sheet is called name (further
// sheets are "name（2）", "name（3）"…), each beginning with header.
func NewBook(name string, header []string, widths ...Width) (*Book, error) {
	b := &Book{f: excelize.NewFile(excelize.Options{TmpDir: TempDir}), name: name, widths: widths}
	for _, h := range header {
		b.header = append(b.header, h)
	}
	if err := b.f.SetSheetName("Sheet1", name); err != nil {
		b.f.Close()
		return nil, err
	}
	if err := b.startSheet(name); err != nil {
		b.f.Close()
		return nil, err
	}
	return b, nil
}

func (b *Book) startSheet(name string) error {
	if b.sw != nil {
		if err := b.sw.Flush(); err != nil {
			return err
		}
		if _, err := b.f.NewSheet(name); err != nil {
			return err
		}
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for _, w := range b.widths {
		if err := sw.SetColWidth(w.From, w.To, w.Width); err != nil {
			return err
		}
	}
	// The header stays in view while scrolling a long ledger.
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", b.header); err != nil {
		return err
	}
	b.sw, b.row = sw, 1
	b.sheets++
	return nil
}

// Add appends one data row, on a new sheet (header repeated) when the
// current one is full.
func (b *Book) Add(row []any) error {
	if b.row >= SheetRows {
		if err := b.startSheet(fmt.Sprintf("%s（%d）", b.name, b.sheets+1)); err != nil {
			return err
		}
	}
	b.row++
	cell, err := excelize.CoordinatesToCellName(1, b.row)
	if err != nil {
		return err
	}
	if err := b.sw.SetRow(cell, row); err != nil {
		return err
	}
	b.rows++
	return nil
}

// Fill adds the rows produce emits, reading and writing at once:
// produce (reading the database, opening sealed values) runs in a
// goroutine of its own, handing rows over in batches, while this one
// writes them — on two cores an export takes the time of the slower
// half rather than of both. An error of either side stops both (emit
// then returns it, and produce should return it). progress, if not nil,
// is called every 1,000 rows with the rows added so far.
func (b *Book) Fill(ctx context.Context, produce func(emit func(row []any) error) error, progress func(done int)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	const batchRows = 256
	batches := make(chan [][]any, 4)
	produced := make(chan error, 1)
	go func() {
		defer close(batches)
		batch := make([][]any, 0, batchRows)
		send := func() error {
			select {
			case batches <- batch:
				batch = make([][]any, 0, batchRows)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err := produce(func(row []any) error {
			batch = append(batch, row)
			if len(batch) == batchRows {
				return send()
			}
			return nil
		})
		if err == nil && len(batch) > 0 {
			err = send()
		}
		produced <- err
	}()
	var addErr error
	for batch := range batches {
		for _, row := range batch {
			if addErr != nil {
				break
			}
			if addErr = b.Add(row); addErr != nil {
				cancel()
				break
			}
			if progress != nil && b.rows%1000 == 0 {
				progress(b.rows)
			}
		}
	}
	if err := <-produced; addErr == nil {
		return err
	}
	return addErr
}

// FillTo fills the book as Fill does, then writes it to w and reports
// the last progress (every row added): the whole of an export's
// writing.
func (b *Book) FillTo(ctx context.Context, w io.Writer, produce func(emit func(row []any) error) error, progress func(done int)) error {
	if err := b.Fill(ctx, produce, progress); err != nil {
		return err
	}
	if _, err := b.WriteTo(w); err != nil {
		return err
	}
	if progress != nil {
		progress(b.Rows())
	}
	return nil
}

// Rows is the number of data rows added.
func (b *Book) Rows() int { return b.rows }

// Sheets is the number of sheets.
func (b *Book) Sheets() int { return b.sheets }

// WriteTo finishes the workbook and writes it to w, streaming: the
// zip archive goes to w as it is made (excelize would otherwise build
// the whole file in a buffer first).
func (b *Book) WriteTo(w io.Writer) (int64, error) {
	if err := b.sw.Flush(); err != nil {
		return 0, err
	}
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 256<<10)
	b.f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(bw)
		// The fastest deflate: a ledger's XML compresses well anyway, and
		// the default level costs a third of an export's time.
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
	})
	if err := b.f.Write(io.Discard); err != nil {
		return cw.n, err
	}
	if err := bw.Flush(); err != nil {
		return cw.n, err
	}
	return cw.n, nil
}

// Close removes the workbook's temporary files.
func (b *Book) Close() error { return b.f.Close() }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Spool is a temporary file an export is written to before it is sent,
// so a response starts only once the export is whole and audited, and
// never sits in memory.
type Spool struct {
	f *os.File
	n int64
}

// NewSpool creates an empty spool in the system's temporary folder.
func NewSpool() (*Spool, error) {
	f, err := os.CreateTemp(TempDir, "shegong-export-*.xlsx")
	if err != nil {
		return nil, err
	}
	return &Spool{f: f}, nil
}

// Write appends to the spool.
func (s *Spool) Write(p []byte) (int, error) {
	n, err := s.f.Write(p)
	s.n += int64(n)
	return n, err
}

// Size is the number of bytes written.
func (s *Spool) Size() int64 { return s.n }

// SendTo copies the spool's content to w from its start.
func (s *Spool) SendTo(w io.Writer) (int64, error) {
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return io.Copy(w, s.f)
}

// Close deletes the spool.
func (s *Spool) Close() error {
	err := s.f.Close()
	if rerr := os.Remove(s.f.Name()); err == nil {
		err = rerr
	}
	return err
}
