package checksum_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc64"
	"math/bits"
	"math/rand"
	"testing"

	"github.com/signet-cdk/signet/checksum"
)

// The catalogue's check value and a few more, against hash/crc64 with the same
// (reflected) polynomial as an independent reference: it runs the same register
// with init and xorout all ones.
func TestCheckValueAndReference(t *testing.T) {
	if got := checksum.CRC64NVME([]byte("123456789")); got != 0xAE8B14860A799888 {
		t.Fatalf("CRC-64/NVME(\"123456789\") = %#x, want 0xAE8B14860A799888", got)
	}
	if bits.Reverse64(checksum.Poly) != checksum.PolyReflected {
		t.Fatal("PolyReflected is not the reflected Poly")
	}
	if checksum.CRC64NVME(nil) != 0 {
		t.Fatal("CRC of nothing is not 0")
	}
	ref := crc64.MakeTable(checksum.PolyReflected)
	rng := rand.New(rand.NewSource(1))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 2047, 2048, 4099, 1 << 20} {
		b := make([]byte, n)
		rng.Read(b)
		if got, want := checksum.CRC64NVME(b), crc64.Checksum(b, ref); got != want {
			t.Fatalf("%d bytes: %#x, hash/crc64 says %#x", n, got, want)
		}
	}
}

// Writes in any pieces give the one-shot value; Sum is big-endian; Reset works.
func TestHashStreams(t *testing.T) {
	b := make([]byte, 100_003)
	rand.New(rand.NewSource(2)).Read(b)
	want := checksum.CRC64NVME(b)
	h := checksum.NewCRC64NVME()
	for rest := b; len(rest) > 0; {
		n := min(len(rest), 1+len(rest)%977)
		h.Write(rest[:n])
		rest = rest[n:]
	}
	if h.Sum64() != want || !bytes.Equal(h.Sum([]byte("x")), binary.BigEndian.AppendUint64([]byte("x"), want)) {
		t.Fatalf("streamed %#x, one shot %#x", h.Sum64(), want)
	}
	if h.Size() != 8 || h.BlockSize() != 1 {
		t.Fatal("size")
	}
	h.Reset()
	h.Write([]byte("123456789"))
	if h.Sum64() != 0xAE8B14860A799888 {
		t.Fatal("after Reset")
	}
}

func TestBase64(t *testing.T) {
	for sum, want := range map[uint64]string{0: "AAAAAAAAAAA=", 0xAE8B14860A799888: "rosUhgp5mIg="} {
		if got := checksum.CRC64NVMEBase64(sum); got != want {
			t.Errorf("%#x: %q, want %q", sum, got, want)
		}
		if back, err := checksum.ParseCRC64NVMEBase64(want); err != nil || back != sum {
			t.Errorf("parse %q: %#x %v", want, back, err)
		}
	}
	nine := base64.StdEncoding.EncodeToString(make([]byte, 9))
	for _, bad := range []string{"", "rosUhgp5mIg", "rosUhgp5mIg==", "rosUhgp5mIh=", "rosUhgp5mI-=", " rosUhgp5mIg=", "rosUhgp5\nmIg=", nine, "AAAAAAAAAA==", "AAAAAAAAAAAA"} {
		if _, err := checksum.ParseCRC64NVMEBase64(bad); !errors.Is(err, checksum.ErrNotCRC64NVME) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Combine against computing the whole directly: random splits, empty pieces, parts
// as the client makes them, and a long B (the power of x by squaring).
func TestCombine(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	b := make([]byte, 300_000)
	rng.Read(b)
	for range 200 {
		i, j := rng.Intn(len(b)+1), rng.Intn(len(b)+1)
		lo, hi := min(i, j), max(i, j)
		a, c := b[lo:hi], b[hi:min(len(b), hi+rng.Intn(5000))]
		want := checksum.CRC64NVME(b[lo:min(len(b), hi+len(c))])
		if got := checksum.Combine(checksum.CRC64NVME(a), checksum.CRC64NVME(c), int64(len(c))); got != want {
			t.Fatalf("split %d+%d: %#x, want %#x", len(a), len(c), got, want)
		}
	}
	if got := checksum.Combine(checksum.CRC64NVME([]byte("12345")), checksum.CRC64NVME([]byte("6789")), 4); got != 0xAE8B14860A799888 {
		t.Fatalf("12345+6789: %#x", got)
	}
	if got := checksum.Combine(0x1234, 0, 0); got != 0x1234 {
		t.Fatal("empty B changed the CRC")
	}
	if got := checksum.Combine(0, checksum.CRC64NVME(b), int64(len(b))); got != checksum.CRC64NVME(b) {
		t.Fatal("empty A")
	}
	// Parts of a fixed size and a remainder, folded left as a client would.
	const part = 64 << 10
	var whole uint64
	for off := 0; off < len(b); off += part {
		p := b[off:min(len(b), off+part)]
		whole = checksum.Combine(whole, checksum.CRC64NVME(p), int64(len(p)))
	}
	if whole != checksum.CRC64NVME(b) {
		t.Fatal("parts folded")
	}
	// 8 MiB of zeros after "123456789": Combine with a long B equals the direct CRC.
	zeros := make([]byte, 8<<20)
	direct := checksum.CRC64NVME(append([]byte("123456789"), zeros...))
	if got := checksum.Combine(0xAE8B14860A799888, checksum.CRC64NVME(zeros), int64(len(zeros))); got != direct {
		t.Fatalf("long B: %#x, want %#x", got, direct)
	}
}

func BenchmarkCRC64NVME(b *testing.B) {
	buf := make([]byte, 1<<20)
	h := checksum.NewCRC64NVME()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		h.Write(buf)
	}
}

func BenchmarkHashCRC64SameTable(b *testing.B) {
	buf := make([]byte, 32<<10) // io.Copy's buffer size
	tab := crc64.MakeTable(checksum.PolyReflected)
	h := crc64.New(tab)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		h.Write(buf)
	}
}

func BenchmarkCRC64NVME32K(b *testing.B) {
	buf := make([]byte, 32<<10)
	h := checksum.NewCRC64NVME()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		h.Write(buf)
	}
}

func BenchmarkCombine(b *testing.B) {
	for b.Loop() {
		checksum.Combine(0xAE8B14860A799888, 0x1234, 64<<20)
	}
}
