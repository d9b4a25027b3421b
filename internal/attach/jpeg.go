package attach

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// StripJPEGMetadata returns a JPEG without the metadata a phone writes
// into photos — Exif (with the GPS position, the camera, the time), XMP,
// IPTC, comments and vendor segments — keeping only what rendering needs:
// JFIF (APP0), the colour profile (APP2 ICC_PROFILE), Adobe (APP14) and
// the Exif orientation, rewritten as a minimal Exif segment so a photo
// taken sideways still shows upright. The image data is copied untouched
// (no re-encoding, no quality loss). A malformed JPEG is an error.
func StripJPEGMetadata(in []byte) ([]byte, error) {
	if len(in) < 4 || in[0] != 0xFF || in[1] != 0xD8 {
		return nil, errors.New("not a JPEG")
	}
	out := make([]byte, 0, len(in))
	out = append(out, 0xFF, 0xD8)
	orientation := 0
	exifAt := 2 // where in out the orientation segment goes
	i := 2
	for {
		// Markers may be preceded by fill bytes 0xFF.
		if i >= len(in) || in[i] != 0xFF {
			return nil, errors.New("JPEG: marker expected")
		}
		for i < len(in) && in[i] == 0xFF {
			i++
		}
		if i >= len(in) {
			return nil, errors.New("JPEG: truncated")
		}
		marker := in[i]
		i++
		switch {
		case marker == 0xD9: // EOI without a scan
			return nil, errors.New("JPEG: no image data")
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
			out = append(out, 0xFF, marker) // no length
			continue
		}
		if i+2 > len(in) {
			return nil, errors.New("JPEG: truncated")
		}
		n := int(binary.BigEndian.Uint16(in[i:]))
		if n < 2 || i+n > len(in) {
			return nil, errors.New("JPEG: bad segment length")
		}
		seg := in[i+2 : i+n]
		whole := in[i-2 : i+n]
		i += n
		if marker == 0xDA { // start of scan: the rest is image data
			out = append(out, whole...)
			out = append(out, in[i:]...)
			break
		}
		keep := false
		switch marker {
		case 0xE0, 0xEE: // JFIF, Adobe
			keep = true
		case 0xE2:
			keep = bytes.HasPrefix(seg, []byte("ICC_PROFILE\x00"))
		case 0xE1:
			if o := exifOrientation(seg); o > 0 && orientation == 0 {
				orientation, exifAt = o, len(out)
			}
		default:
			// Tables and frame headers (DQT, DHT, SOFn, DRI…) are kept;
			// other APPn and comments (COM) are metadata.
			keep = !(marker >= 0xE0 && marker <= 0xEF) && marker != 0xFE
		}
		if keep {
			out = append(out, whole...)
		}
	}
	if orientation > 1 {
		// Where the Exif segment was: after JFIF, before the tables.
		out = append(out[:exifAt], append(orientationSegment(orientation), out[exifAt:]...)...)
	}
	return out, nil
}

// exifOrientation reads the Orientation tag (0x0112) of IFD0 from an APP1
// Exif segment body; 0 when absent or unreadable.
func exifOrientation(seg []byte) int {
	if !bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
		return 0
	}
	t := seg[6:]
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 0
	}
	count := int(bo.Uint16(t[off:]))
	for k := range count {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 {
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 0
		}
	}
	return 0
}

// orientationSegment is an APP1 Exif segment holding only Orientation.
func orientationSegment(o int) []byte {
	var b []byte
	b = append(b, 0xFF, 0xE1, 0, 34)
	b = append(b, "Exif\x00\x00MM\x00*"...)
	b = binary.BigEndian.AppendUint32(b, 8) // IFD0 right after the header
	b = binary.BigEndian.AppendUint16(b, 1) // one entry
	b = binary.BigEndian.AppendUint16(b, 0x0112)
	b = binary.BigEndian.AppendUint16(b, 3) // SHORT
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint16(b, uint16(o))
	b = append(b, 0, 0)
	b = binary.BigEndian.AppendUint32(b, 0) // no next IFD
	return b
}
