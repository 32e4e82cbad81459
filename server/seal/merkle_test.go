package seal

import (
	"crypto/sha256"
	"fmt"
	"testing"
)

func testLeaves(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		sum := sha256.Sum256([]byte(fmt.Sprint(i)))
		out[i] = sum[:]
	}
	return out
}

// Every leaf of trees of every size up to 33 proves, and no other leaf,
// index or root does.
func TestInclusionProofs(t *testing.T) {
	for n := 1; n <= 33; n++ {
		leaves := testLeaves(n)
		root := Root(leaves)
		for m := range n {
			proof := InclusionProof(leaves, m)
			if !VerifyInclusion(leaves[m], int64(m), int64(n), proof, root) {
				t.Fatalf("size %d: leaf %d does not verify", n, m)
			}
			other := leaves[(m+1)%n]
			if n > 1 && VerifyInclusion(other, int64(m), int64(n), proof, root) {
				t.Fatalf("size %d: another leaf verifies at %d", n, m)
			}
			if n > 1 && VerifyInclusion(leaves[m], int64((m+1)%n), int64(n), proof, root) {
				t.Fatalf("size %d: leaf %d verifies at another index", n, m)
			}
			if VerifyInclusion(leaves[m], int64(m), int64(n), proof, testLeaves(n + 1)[n]) {
				t.Fatalf("size %d: leaf %d verifies against another root", n, m)
			}
		}
	}
}

// The root of two leaves is RFC 6962's: SHA-256(0x01 || a || b).
func TestRootOfTwo(t *testing.T) {
	l := testLeaves(2)
	want := sha256.Sum256(append(append([]byte{1}, l[0]...), l[1]...))
	if got := Root(l); string(got) != string(want[:]) {
		t.Errorf("Root = %x, want %x", got, want)
	}
}
