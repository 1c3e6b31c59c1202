// Package checksum computes CRC-64/NVME, the checksum S3 keeps for every object and
// the only one it can verify as a FULL_OBJECT checksum of a multipart upload of any
// size: poly 0xAD93D23594C93659, reflected input and output, init and xorout all
// ones; check value CRC-64/NVME("123456789") = 0xAE8B14860A799888.
//
// S3 carries it as x-amz-checksum-crc64nvme: the standard (padded) base64 of the
// 8-byte big-endian value (CRC64NVMEBase64). Combine joins the CRCs of consecutive
// pieces (parts) into the CRC of the whole without reading the data again.
//
// hash/crc64 can build the table (crc64.MakeTable of the reflected polynomial), but
// for any polynomial other than ISO and ECMA it rebuilds its 16 KiB slicing table on
// every Write of 2 KiB or more; this package builds it once, on first use.
package checksum

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"sync"
)

// Poly is the CRC-64/NVME polynomial (normal form); PolyReflected is the form the
// reflected (LSB-first) algorithm uses.
const (
	Poly          = 0xAD93D23594C93659
	PolyReflected = 0x9A6C9329AC4BC9B5 // bits.Reverse64(Poly)
)

// Size is the size of a CRC-64/NVME in bytes.
const Size = 8

// tables are the slicing-by-8 tables, built once on first use (16 KiB).
var tables = sync.OnceValue(func() *[8][256]uint64 {
	t := new([8][256]uint64)
	for i := range 256 {
		crc := uint64(i)
		for range 8 {
			if crc&1 == 1 {
				crc = crc>>1 ^ PolyReflected
			} else {
				crc >>= 1
			}
		}
		t[0][i] = crc
	}
	for i := range 256 {
		crc := t[0][i]
		for j := 1; j < 8; j++ {
			crc = t[0][crc&0xff] ^ crc>>8
			t[j][i] = crc
		}
	}
	return t
})

// update runs the raw (unconditioned) register crc over p.
func update(crc uint64, p []byte) uint64 {
	t := tables()
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][crc&0xff] ^ t[6][crc>>8&0xff] ^ t[5][crc>>16&0xff] ^ t[4][crc>>24&0xff] ^
			t[3][crc>>32&0xff] ^ t[2][crc>>40&0xff] ^ t[1][crc>>48&0xff] ^ t[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	return crc
}

// Update returns the CRC-64/NVME of the data whose CRC is crc followed by p
// (Update(0, p) is the CRC of p).
func Update(crc uint64, p []byte) uint64 { return ^update(^crc, p) }

// CRC64NVME is the CRC-64/NVME of p.
func CRC64NVME(p []byte) uint64 { return Update(0, p) }

// digest is a running CRC-64/NVME.
type digest struct{ crc uint64 }

// NewCRC64NVME returns a hash.Hash64 computing CRC-64/NVME. Its Sum appends the
// 8 bytes big-endian, the byte order S3 encodes in base64.
func NewCRC64NVME() hash.Hash64 { return &digest{} }

func (d *digest) Size() int      { return Size }
func (d *digest) BlockSize() int { return 1 }
func (d *digest) Reset()         { d.crc = 0 }
func (d *digest) Sum64() uint64  { return d.crc }
func (d *digest) Write(p []byte) (int, error) {
	d.crc = Update(d.crc, p)
	return len(p), nil
}
func (d *digest) Sum(in []byte) []byte { return binary.BigEndian.AppendUint64(in, d.crc) }

// CRC64NVMEBase64 is sum as S3 carries it (x-amz-checksum-crc64nvme): the standard,
// padded base64 of its 8 bytes, big-endian (12 characters).
func CRC64NVMEBase64(sum uint64) string {
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint64(nil, sum))
}

// ErrNotCRC64NVME: a string is not the base64 of an 8-byte CRC64NVME.
var ErrNotCRC64NVME = errors.New("checksum: not the padded base64 of 8 bytes")

// ParseCRC64NVMEBase64 reverses CRC64NVMEBase64: exactly 12 characters of padded
// standard base64 (no line breaks, no other encoding of the same bytes) of 8 bytes.
func ParseCRC64NVMEBase64(s string) (uint64, error) {
	if len(s) != 12 {
		return 0, ErrNotCRC64NVME
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != Size {
		return 0, ErrNotCRC64NVME
	}
	return binary.BigEndian.Uint64(b), nil
}

// Combine returns the CRC-64/NVME of A followed by B from crcA = CRC(A), crcB =
// CRC(B) and lenB = len(B) bytes: the CRC of a whole file from the CRCs of its parts,
// in order. With init equal to xorout (both all ones, as here), CRC(A||B) =
// CRC(A)·x^(8·lenB) mod P xor CRC(B); the power of x is built by squaring, so the
// cost is about log2(lenB) multiplications, whatever the length. lenB <= 0 returns
// crcA (B empty; CRC of nothing is 0).
func Combine(crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA ^ crcB
	}
	return multModP(xPow8n(uint64(lenB)), crcA) ^ crcB
}

// In the reflected representation the coefficient of x^0 is the top bit: x^0 is
// 1<<63, x^1 is 1<<62.
const one = uint64(1) << 63

// multModP is a·b mod P, both reflected.
func multModP(a, b uint64) uint64 {
	var p uint64
	for m := one; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
			if a&(m-1) == 0 {
				break
			}
		}
		if b&1 != 0 {
			b = b>>1 ^ PolyReflected
		} else {
			b >>= 1
		}
	}
	return p
}

// powers[k] = x^(2^k) mod P, for k = 0..66: enough for x^(8·n) with n < 2^64 without
// assuming anything about the multiplicative order of x modulo P.
var powers = sync.OnceValue(func() *[67]uint64 {
	t := new([67]uint64)
	p := one >> 1 // x^1
	for k := range t {
		t[k] = p
		p = multModP(p, p)
	}
	return t
})

// xPow8n is x^(8·n) mod P: x^(n·2^3), from the bits of n.
func xPow8n(n uint64) uint64 {
	t := powers()
	p := one
	for k := 3; n != 0; k, n = k+1, n>>1 {
		if n&1 != 0 {
			p = multModP(t[k], p)
		}
	}
	return p
}
