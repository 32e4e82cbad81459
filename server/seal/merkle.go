package seal

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/bits"
)

// The Merkle tree of a checkpoint is RFC 6962's (section 2.1; RFC 9162
// section 2.1 is the same): leaves are consent.ReceiptHash values, which
// already carry the 0x00 leaf prefix, and an inner node is
// SHA-256(0x01 || left || right). A checkpoint's tree holds its leaves in
// seq order, so leaf i is seq FirstSeq+i.

func nodeHash(left, right []byte) []byte {
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(left)
	h.Write(right)
	return h.Sum(nil)
}

// split is the largest power of two below n (n > 1).
func split(n int) int { return 1 << (bits.Len(uint(n-1)) - 1) }

// Root is the tree head of leaves (at least one).
func Root(leaves [][]byte) []byte {
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := split(len(leaves))
	return nodeHash(Root(leaves[:k]), Root(leaves[k:]))
}

// InclusionProof is the audit path of leaf m (RFC 6962 PATH(m, D[n])).
func InclusionProof(leaves [][]byte, m int) [][]byte {
	if len(leaves) <= 1 {
		return nil
	}
	k := split(len(leaves))
	if m < k {
		return append(InclusionProof(leaves[:k], m), Root(leaves[k:]))
	}
	return append(InclusionProof(leaves[k:], m-k), Root(leaves[:k]))
}

// VerifyInclusion checks that leaf is leaf index of a tree of size leaves
// with the given root, by RFC 9162 section 2.1.3.2.
func VerifyInclusion(leaf []byte, index, size int64, proof [][]byte, root []byte) bool {
	if index < 0 || index >= size {
		return false
	}
	fn, sn := index, size-1
	r := leaf
	for _, p := range proof {
		if sn == 0 {
			return false
		}
		if fn&1 == 1 || fn == sn {
			r = nodeHash(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = nodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	return sn == 0 && string(r) == string(root)
}

func decodeHashes(hexes []string) ([][]byte, error) {
	out := make([][]byte, len(hexes))
	for i, h := range hexes {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != sha256.Size {
			return nil, errors.New("a hash is not 64 hex digits")
		}
		out[i] = b
	}
	return out, nil
}

func encodeHashes(hs [][]byte) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = hex.EncodeToString(h)
	}
	return out
}
